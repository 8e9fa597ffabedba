"""A house's engine over a real Mosquitto: several sales at once in several halls, one journal; a
house that refuses to start from a journal that is missing, empty or behind what it published; a
backup that restores to the same state."""
from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from cloud.core.domain import sale_state
from cloud.domains import read_house
from shared import messages, topics
from shared.messages import encode
from tests.conftest import ROOT, ArbiterProcess, Listener

pytestmark = pytest.mark.broker

AUTUMN = """
[sale]
id = "autumn-2026"
hall = "hall2"
currency = "HKD"
[[lots]]
id = "A1"
title = "1941 Hong Kong 5 cents"
opening = 200
[[paddles]]
number = 31
name = "Dr Ho"
"""


def hall_command(listener, hall: str, action: str, command_id: str, **fields) -> dict:
    listener.publish(topics.HALL_COMMAND.format(hall=hall), encode(messages.Command(command_id=command_id, action=action, **fields)))
    return listener.expect(type="command_result", command_id=command_id)


def hall_bid(listener, hall: str, bid_id: str, lot: str, amount: int, paddle: int) -> dict:
    listener.publish(topics.HALL_BID.format(hall=hall), encode(messages.Bid(bid_id=bid_id, lot=lot, amount=amount, currency="HKD", paddle=paddle)))
    return listener.expect(type="bid_result", bid_id=bid_id)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_two_sales_of_one_house_run_at_once_in_two_halls(broker, listen, arbiter, tmp_path):
    definition = tmp_path / "autumn.toml"
    definition.write_text(AUTUMN)
    loaded = run("-m", "cloud.sale_desk", "load", str(definition), "--port", str(broker.port))
    assert loaded.returncode == 0 and "sale autumn-2026 loaded in hall hall2" in loaded.stdout, loaded.stderr
    assert run("-m", "cloud.sale_desk", "load", str(definition), "--port", str(broker.port)).returncode == 1   # already there
    rooms = listen(topics.HALL_RESULT.filter(), topics.BIDDER_RESULT.filter(), topics.LOT_STATE.filter())
    assert hall_command(rooms, "hall1", "open_lot", "h1-open")["status"] == "ok"
    assert hall_command(rooms, "hall2", "open_lot", "h2-open")["status"] == "ok"
    assert hall_bid(rooms, "hall1", "p1", "1", 100_000, 11)["status"] == "accepted"
    room2 = hall_bid(rooms, "hall2", "p2", "A1", 20_000, 31)
    assert room2["status"] == "accepted"
    asking = room2["asking"]
    assert hall_bid(rooms, "hall2", "p3", "A1", 20_000, 99)["code"] == "UNKNOWN_PADDLE"      # hall2's sale has its own paddles
    rooms.publish(topics.BIDDER_BID.format(account="alice"), encode(messages.Bid(bid_id="o1", lot="A1", amount=asking, currency="HKD")))
    online = rooms.expect(type="bid_result", bid_id="o1")
    assert online["status"] == "accepted" and online["lot"] == "A1", online
    autumn_state = rooms.expect(type="lot_state", sale="autumn-2026", current_bid=asking)
    assert autumn_state["_topic"] == topics.LOT_STATE.format(sale="autumn-2026")
    arbiter.stop()
    house = read_house(arbiter.journal)
    spring, autumn = sale_state(house, "spring-2026"), sale_state(house, "autumn-2026")
    assert [b.amount for b in spring.lots["1"].bids] == [100_000]
    assert [(b.bidder, b.amount) for b in autumn.lots["A1"].bids] == [("paddle:31", 20_000), ("online:alice", asking)]


def test_a_house_never_starts_from_a_missing_empty_or_short_journal(broker, tmp_path):
    journal = tmp_path / "house.sqlite3"
    cloud = [sys.executable, "-m", "cloud", "--journal", str(journal), "--port", str(broker.port)]
    missing = subprocess.run(cloud, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert missing.returncode == 3 and "does not exist" in missing.stderr
    journal.write_bytes(b"")
    empty = subprocess.run(cloud, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert empty.returncode == 3 and "is empty" in empty.stderr
    journal.unlink()
    house = ArbiterProcess(broker, journal).start()          # new: --new the first time
    watcher = Listener(broker, topics.HALL_RESULT.filter())
    hall_command(watcher, "hall1", "open_lot", "open-1")
    house.stop()
    backup = run("-m", "cloud.backup", str(tmp_path / "copy.sqlite3"), "--journal", str(journal))
    assert backup.returncode == 0 and "backup written" in backup.stdout, backup.stderr
    assert read_house(tmp_path / "copy.sqlite3").state_hash() == read_house(journal).state_hash()
    short = tmp_path / "short.sqlite3"                        # a journal that lost its newest batches
    with sqlite3.connect(journal) as original, sqlite3.connect(short) as copy:
        original.backup(copy)
        last = copy.execute("SELECT max(seq) FROM journal").fetchone()[0]
        copy.execute("DELETE FROM journal WHERE seq = ?", [last])
        copy.execute("DELETE FROM snapshot")
    behind = subprocess.run([sys.executable, "-m", "cloud", "--journal", str(short), "--port", str(broker.port)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert behind.returncode == 3 and "the journal ends at seq" in behind.stderr, behind.stderr
    watcher.close()
