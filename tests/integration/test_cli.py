"""The auctioneer's CLI and calibration, as a person would run them."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from edge.store import HallStore
from shared import topics
from tests.conftest import ROOT

pytestmark = pytest.mark.broker
ENV = os.environ | {"PYTHONPATH": str(ROOT)}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=60, stdin=subprocess.DEVNULL)


def test_auctioneer_cli_runs_the_sale_and_reports_refusals(broker, arbiter):
    port = str(broker.port)
    opened = cli("edge.auctioneer", "open_lot", "--port", port)
    assert (opened.returncode, opened.stdout.strip()) == (0, "ok: lot 1 open")
    floor = cli("edge.auctioneer", "floor_bid", "--paddle", "12", "--amount", "900", "--port", port)
    assert floor.returncode == 0 and "floor bid 900 HKD for paddle 12" in floor.stdout
    refused = cli("edge.auctioneer", "hammer", "--port", port)
    assert refused.returncode == 1 and refused.stdout.startswith("rejected: the high bid of 900 HKD is below the reserve")


def test_auctioneer_cli_without_a_broker_says_so():
    result = cli("edge.auctioneer", "hammer", "--port", "1")
    assert result.returncode == 2 and "no answer from the arbiter" in result.stderr


def test_calibrate_stores_the_paddle(tmp_path):
    store = tmp_path / "hall.sqlite3"
    result = cli("edge.calibrate", "--simulate", "--yes", "--paddle", "12", "--store", str(store))
    assert result.returncode == 0, result.stdout[-1500:] + result.stderr[-3000:]
    saved = HallStore(store).calibrations()
    assert sorted(saved) == [12]
    for calibration in saved.values():
        assert 98_000 <= calibration.counts_per_kg <= 102_000   # the simulated cells: 100 counts per gram


def test_the_bidder_cli_bids_the_asking_price_and_leaves_a_maximum(broker, arbiter):
    port = str(broker.port)
    assert cli("edge.auctioneer", "open_lot", "--port", port).returncode == 0
    first = cli("cloud.bidder", "--account", "alice", "--pin", "1234", "--port", port, "--asking")
    assert (first.returncode, first.stdout.strip()) == (0, "accepted: accepted: you lead at 800 HKD")
    again = cli("cloud.bidder", "--account", "alice", "--pin", "1234", "--port", port, "--amount", "850")
    assert again.returncode == 1 and "you already lead" in again.stdout
    maximum = cli("cloud.bidder", "--account", "bob", "--pin", "2468", "--port", port, "--max", "1500")
    wrong = cli("cloud.bidder", "--account", "bob", "--pin", "1111", "--port", port, "--max", "1600")
    assert wrong.returncode == 1 and "PIN refused: wrong PIN: 4 attempts left" in wrong.stderr
    assert maximum.returncode == 0 and "maximum of 1,500 HKD registered" in maximum.stdout


def test_the_bidder_cli_bids_the_dutch_clocks_price_by_the_arbiters_clock_not_the_top(broker, arbiter, listen):
    port = str(broker.port)
    room = listen(topics.LOT_STATE.filter())
    assert cli("edge.auctioneer", "open_lot", "--lot", "3", "--port", port).returncode == 0
    opened = room.expect(type="lot_state", lot="3", status="open")
    time.sleep(max(0.0, (opened["dutch"]["start_ms"] + 2_300 - opened["at_ms"]) / 1000))   # past the first 2 s step
    accepted = cli("cloud.bidder", "--account", "alice", "--pin", "1234", "--port", port, "--asking")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    sold = room.expect(type="lot_state", lot="3", status="sold")
    assert sold["current_bid"] in (850_000, 800_000), sold          # the clock's 8,500 (or 8,000 a step later), never the top 9,000


def test_the_bidder_cli_without_a_pin_or_a_terminal_says_the_pin_is_needed():
    env = {k: v for k, v in ENV.items() if k != "HALL_PIN"}
    result = subprocess.run([sys.executable, "-m", "cloud.bidder", "--account", "alice", "--port", "1", "--asking"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 3 and "a trade PIN is needed" in result.stderr and "Traceback" not in result.stderr
