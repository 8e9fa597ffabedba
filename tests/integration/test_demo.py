"""./hall demo on a machine with no screen: says so, runs the whole scripted sale headless, leaves a
PNG of every display at each moment, and ends by itself (no --headless, no --seconds given)."""
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.broker, pytest.mark.slow]
MOMENTS = ["lot1-race", "lot1-fair-warning", "lot1-sold-late-bid", "lot2-jump-bid", "lot3-dutch-clock", "lot3-dutch-sold", "lot4-passed"]
NO_SCREEN = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}


def test_demo_without_a_screen_runs_headless_sells_the_sale_writes_screenshots_and_ends(tmp_path):
    shots = tmp_path / "shots"
    result = subprocess.run([sys.executable, "-m", "bench.demo", "--pace", "0", "--screenshots", str(shots)],
                            capture_output=True, text=True, timeout=240, cwd=ROOT, stdin=subprocess.DEVNULL,
                            env=NO_SCREEN | {"PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "no screen found" in result.stdout and "screens: PNG snapshots only" in result.stdout
    report = result.stdout[result.stdout.find("SALE "):]
    lot2 = result.stdout[result.stdout.find("LOT 2"):result.stdout.find("LOT 3")]
    assert "3 sold of 4" in report and "Press discount" in report, lot2 + report[:3000]
    names = sorted(p.name for p in shots.iterdir())
    for index, moment in enumerate(MOMENTS, start=1):
        for screen in ("main", "auctioneer", "paddle-11", "paddle-12", "paddle-13"):
            assert f"{index:02d}-{moment}-{screen}.png" in names
