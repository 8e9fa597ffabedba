"""./hall demo --headless runs the whole scripted sale and leaves a PNG of every display at each moment."""
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.broker, pytest.mark.slow]
MOMENTS = ["lot1-race", "lot1-fair-warning", "lot1-sold-late-bid", "lot2-jump-bid", "lot3-dutch-clock", "lot3-dutch-sold", "lot4-passed"]


def test_headless_demo_sells_the_sale_and_writes_screenshots(tmp_path):
    shots = tmp_path / "shots"
    result = subprocess.run([sys.executable, "-m", "edge.demo", "--pace", "0", "--headless", "--seconds", "150", "--screenshots", str(shots)],
                            capture_output=True, text=True, timeout=240, cwd=ROOT, stdin=subprocess.DEVNULL,
                            env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = result.stdout[result.stdout.find("SALE "):]
    assert "3 sold of 4" in report and "Press discount" in report, result.stdout[-6000:]
    names = sorted(p.name for p in shots.iterdir())
    for index, moment in enumerate(MOMENTS, start=1):
        for screen in ("main", "auctioneer", "paddle-11", "paddle-12", "paddle-13"):
            assert f"{index:02d}-{moment}-{screen}.png" in names
