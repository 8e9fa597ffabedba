"""A hall sale settled end to end over a real Mosquitto and the real arbiter, driven by the house desk's
own commands: a lot consigned from custody, hammered to an online winner with funds, paid from funds and
released (the consignor paid, both parties told); an unpaid order cancelled with its default fee and the
lot re-offered and sold to someone else. (A user refused another's statement: test_settlement_acl.py.)"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from cloud.domains import read_house
from shared import messages, topics
from shared.messages import encode
from tests.conftest import ROOT
from tests.integration.test_house import hall_bid, hall_command

pytestmark = [pytest.mark.broker, pytest.mark.nats]

CONSIGNED = """
[sale]
id = "consigned-2026"
hall = "hall2"
currency = "HKD"
commission_bp = 1000
commission_min = 50
pay_within_s = 1
default_fee_bp = 1000
[[lots]]
id = "C1"
item = "dragon-1"
opening = 100
[[lots]]
id = "C2"
item = "penny-1"
opening = 100
[[paddles]]
number = 31
name = "Dr Ho"
"""


def hall(broker, *argv: str, port: int | None = None, password: str = "") -> subprocess.CompletedProcess[str]:
    """A house desk command (`cloud.desk ledger|custody`, `cloud.orders_desk`, `cloud.sale_desk`) as a person runs it."""
    module = {"orders": "cloud.orders_desk", "sale": "cloud.sale_desk"}.get(argv[0], "cloud.desk")
    args = list(argv[1:] if module != "cloud.desk" else argv)
    env = os.environ | {"PYTHONPATH": str(ROOT), "HALL_HOUSE_PASSWORD": password}
    return subprocess.run([sys.executable, "-m", module, *args, "--port", str(port or broker.port)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60, stdin=subprocess.DEVNULL)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def consign(broker, tmp_path) -> None:
    """bob deposits two items; alice's bank shows 1,000 HKD in; the consigned sale is loaded in hall2."""
    ok(hall(broker, "custody", "define", "hk-dragon-1988-ms65", "--category", "precious_metal_coins", "--name",
            "Year of the Dragon 1,000 dollars gold", "--grade", "MS-65", "--year", "1988", "--description", "Proof, in its case."))
    ok(hall(broker, "custody", "define", "gb-penny-black-vf", "--category", "stamps", "--name", "Penny Black", "--grade", "VF",
            "--scale", "stamp", "--year", "1840"))
    ok(hall(broker, "custody", "deposit", "dragon-1", "--account", "bob", "--kind", "hk-dragon-1988-ms65"))
    ok(hall(broker, "custody", "deposit", "penny-1", "--account", "bob", "--kind", "gb-penny-black-vf"))
    ok(hall(broker, "ledger", "deposit", "alice", "1,000", "--reference", "HSBC-1"))
    definition = tmp_path / "consigned.toml"
    definition.write_text(CONSIGNED)
    assert "loaded in hall hall2" in ok(hall(broker, "sale", "load", str(definition)))


def win_online(room, account: str, lot: str, amount: int) -> None:
    room.publish(topics.BIDDER_BID.format(account=account), encode(messages.Bid(bid_id=f"{account}-{lot}-{amount}", lot=lot,
                                                                                   amount=amount, currency="HKD")))
    assert room.expect(type="bid_result", bid_id=f"{account}-{lot}-{amount}")["status"] == "accepted"
    assert hall_command(room, "hall2", "hammer", f"hammer-{lot}-{amount}")["status"] == "ok"


def invoice_of(notice: dict) -> str:
    return re.match(r"INVOICE (\S+)", notice["text"]).group(1)


def test_a_consigned_lot_hammered_paid_from_funds_and_released(broker, arbiter, listen, tmp_path):
    consign(broker, tmp_path)
    alice = listen(topics.USER_NOTICE.format(account="alice"))
    bob = listen(topics.USER_NOTICE.format(account="bob"))
    room = listen(topics.HALL_RESULT.format(hall="hall2"), topics.BIDDER_RESULT.format(account="alice"),
                  topics.LOT_STATE.format(sale="consigned-2026"))
    assert hall_command(room, "hall2", "open_lot", "open-C1")["status"] == "ok"
    assert room.expect(type="lot_state", lot="C1")["title"] == "Year of the Dragon 1,000 dollars gold, MS-65"
    win_online(room, "alice", "C1", 10_000)

    invoice = alice.expect(type="notice", kind="order")
    order_id = invoice_of(invoice)
    assert re.search(r"Total due +125 HKD", invoice["text"]) and "125 HKD is held from your funds" in invoice["text"]
    assert "sold for 100 HKD" in bob.expect(type="notice", kind="order")["text"]
    listed = ok(hall(broker, "orders", "list"))
    assert order_id in listed and "awaiting payment (funds held)" in listed and "consignor bob" in listed

    assert f"order {order_id} paid from the funds held for it: 125 HKD in escrow" in ok(hall(broker, "orders", "pay", order_id))
    assert "Payment of 125 HKD" in alice.expect(type="notice", kind="order")["text"]
    refused = hall(broker, "orders", "pay", order_id)
    assert refused.returncode == 1 and "ORDER_NOT_PENDING" in refused.stdout

    released = ok(hall(broker, "orders", "release", order_id, "--how", "collected at the counter"))
    assert "50 HKD to bob" in released                                  # 100 less the minimum commission of 50
    assert "Payout of 50 HKD sent" in bob.expect(type="notice", kind="funds")["text"]
    assert "released to you (collected at the counter)" in alice.expect(type="notice", kind="order")["text"]
    assert ok(hall(broker, "ledger", "trial-balance")).strip().endswith("the books balance")
    assert "0 open orders" in ok(hall(broker, "orders", "list"))
    arbiter.stop()
    house = read_house(arbiter.journal)
    assert house["ledger"].accounts["user:alice:units:hk-dragon-1988-ms65"].balance == 1
    assert house["ledger"].accounts["user:bob:cash:HKD"].balance == 5_000


def test_an_unpaid_order_cancelled_and_the_lot_sold_again_to_someone_else(broker, arbiter, listen, tmp_path):
    consign(broker, tmp_path)
    alice = listen(topics.USER_NOTICE.format(account="alice"))
    bob = listen(topics.USER_NOTICE.format(account="bob"))
    room = listen(topics.HALL_RESULT.format(hall="hall2"), topics.BIDDER_RESULT.format(account="alice"))
    assert hall_command(room, "hall2", "open_lot", "open-C2", lot="C2")["status"] == "ok"
    win_online(room, "alice", "C2", 10_000)
    order_id = invoice_of(alice.expect(type="notice", kind="order"))
    early = hall(broker, "orders", "release", order_id)
    assert early.returncode == 1 and "ORDER_NOT_PAID" in early.stdout
    time.sleep(1.2)                                                      # past the due date (pay_within_s = 1)

    cancelled = ok(hall(broker, "orders", "cancel", order_id, "--reason", "not paid by its due date"))
    assert "fee charged 12.50 HKD" in cancelled and "lot C2 offered again in this sale" in cancelled
    assert "A default fee of 12.50 HKD was charged." in alice.expect(type="notice", kind="order")["text"]
    assert "sold for 100 HKD" in bob.expect(type="notice", kind="order")["text"]
    assert "will be offered again in this sale" in bob.expect(type="notice", kind="order")["text"]

    assert hall_command(room, "hall2", "open_lot", "reopen-C2", lot="C2")["status"] == "ok"   # offered again
    resale = hall_bid(room, "hall2", "dr-ho-1", "C2", 12_000, 31)
    assert resale["status"] == "accepted", (resale["code"], resale["message"])
    assert hall_command(room, "hall2", "hammer", "hammer-C2-again")["status"] == "ok"
    listed = ok(hall(broker, "orders", "list"))
    (resold,) = re.findall(r"(consigned-2026-C2-\d+)", listed)
    assert resold != order_id and "Paddle 31 · Dr Ho" in listed
    needs = hall(broker, "orders", "pay", resold)
    assert needs.returncode == 1 and "REFERENCE_NEEDED" in needs.stdout
    ok(hall(broker, "orders", "pay", resold, "--reference", "BOC-55"))
    ok(hall(broker, "orders", "release", resold, "--how", "collected by Dr Ho"))
    assert ok(hall(broker, "ledger", "trial-balance")).strip().endswith("the books balance")
    arbiter.stop()
    house = read_house(arbiter.journal)
    assert house["ledger"].accounts["user:alice:cash:HKD"].balance == 100_000 - 1_250
    assert house["ledger"].accounts["user:bob:cash:HKD"].balance == 12_000 - 5_000
    assert "penny-1" in house["custody"].withdrawn                      # Dr Ho has no account: it left custody with him
