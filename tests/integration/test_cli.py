"""The auctioneer's CLI and calibration, as a person would run them."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from edge.store import HallStore
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
