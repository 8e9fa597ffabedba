"""./hall demo on a machine with no screen: says so, runs the whole scripted sale headless, leaves a
PNG of every display at each moment, runs the market session after the sale, and ends by itself (no
--headless, no --seconds given)."""
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.broker, pytest.mark.slow]
MOMENTS = ["lot1-race", "lot1-fair-warning", "lot1-sold-late-bid", "lot2-jump-bid", "lot3-dutch-clock", "lot3-dutch-sold", "lot4-passed"]
NO_SCREEN = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}


def test_demo_without_a_screen_runs_headless_sells_the_sale_writes_screenshots_trades_and_ends(tmp_path):
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
    market = result.stdout[result.stdout.find("MARKET SESSION"):result.stdout.find("SALE ")]
    assert "the listing is partly filled: 7 of 12 left on the book" in market, market
    assert "bought 7 of 10" in market and "3 rest on the book" in market
    assert "allocation published" in market and "application 1: 22 of 30; application 2: 18 of 25" in market
    assert "you were allocated 22 of 30 hk-2026-horse-1oz-pr70; 2,000 HKD released" in market
    assert "you were allocated 18 of 25 hk-2026-horse-1oz-pr70; 1,750 HKD released" in market
    assert re.search(r"bought in 2 stops \(10 at [\d,.]+ HKD, 8 at [\d,.]+ HKD\); the 12 left are withdrawn and returned", market)
    books = result.stdout[result.stdout.find("trial balance"):]
    assert "the books balance" in books and "clock demo-panda-clock withdrawn" in books and "issue demo-horse-2026" in books
