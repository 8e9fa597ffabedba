"""./hall orders list as a person reads it: the arbiter's retained open orders, oldest first."""
import json

from cloud.core.views import open_orders
from cloud.orders_desk import render_open
from shared import messages
from tests.core.driver import UNIT
from tests.core.settlement_driver import Settling


def test_the_open_orders_read_as_sentences():
    d = Settling().prepare(funds={"alice": 1_000 * UNIT, "bob": 10 * UNIT})
    held = d.sold_to("alice", 100 * UNIT)
    d.command("open_lot")
    unpaid = d.sold_to("bob", 200 * UNIT, lot="2")
    assert d.settle("pay", held).ok
    auctions = d.house["auction"]
    listed = json.loads(messages.encode(open_orders(auctions.order, auctions.settlements, d.seq)))
    text = render_open(listed).splitlines()
    assert text[0] == f"2 open orders (as of seq {d.seq}):"
    assert text[1].startswith(f"  {held}  lot 1 ") and "125 HKD  paid, in escrow; released by " in text[1] and text[1].endswith("consignor carol")
    assert text[2].startswith(f"  {unpaid}  lot 2 Penny Black on cover  buyer bob.collects  250 HKD  awaiting payment, due ")
