"""A closed sale leaves the house's live state once its orders are settled (its record stays in the
journal, where reports read it); until then only its unsettled orders and terms stay live. Replay and
snapshot + tail still give the live state."""
import json

from cloud.core.catalog import LotSpec
from cloud.core.commands import CloseSale, LoadSale
from cloud.core.views import open_orders
from cloud.domains import sale_records
from cloud.report import render
from shared import messages
from shared.codes import Code
from tests.core.driver import UNIT
from tests.core.settlement_driver import Settling, consigned_sale
from tests.core.test_replay import journal_of
from tests.kernel.test_store import engine_over, full_replay, resumed


def closed_and_settled() -> tuple[Settling, str, str]:
    """s1 sells lots 1 and 2 to alice and closes; lot 1 is paid and released after the close, lot 2
    cancelled; then s2 offers lot 2's item again in the same hall."""
    d = Settling().prepare()
    released = d.sold_to("alice", 100 * UNIT)
    assert d.command("open_lot").ok
    cancelled = d.sold_to("alice", 200 * UNIT, lot="2")
    assert d.send(CloseSale("s1", "close-s1"))[-1].ok
    assert d.settle("pay", released).ok and d.settle("release", released).ok
    assert d.settle("cancel", cancelled, reason="the buyer withdrew").ok
    assert d.send(LoadSale(consigned_sale(sale="s2", lots=(LotSpec("L2", "", opening=80 * UNIT, item="penny-1"),)), "load-s2"))[-1].ok
    d.sale = "s2"
    return d, released, cancelled


def test_a_closed_sale_keeps_only_its_unsettled_orders_live_and_leaves_once_they_are_settled():
    d = Settling().prepare()
    paid = d.sold_to("alice", 100 * UNIT)
    assert d.command("open_lot").ok
    unpaid = d.sold_to("alice", 200 * UNIT, lot="2")
    assert d.settle("pay", paid).ok
    assert d.send(CloseSale("s1", "close-s1"))[-1].ok
    auctions = d.house["auction"]
    assert "s1" not in auctions.sales and set(auctions.unsettled["s1"].orders) == {paid, unpaid}
    listed = open_orders(auctions.order, auctions.settlements, d.seq)          # the desk still lists them
    assert [(line.order_id, line.status) for line in listed.orders] == [(paid, "paid"), (unpaid, "pending")]
    assert d.settle("release", paid).ok and set(auctions.unsettled["s1"].orders) == {unpaid}
    assert d.settle("cancel", unpaid).ok
    assert "s1" not in auctions.unsettled and auctions.settled_orders == {paid: "released", unpaid: "cancelled"}
    assert d.replayed().state_hash() == d.house.state_hash()


def test_a_settled_order_of_an_archived_sale_is_refused_as_before_and_its_sale_id_is_not_reused():
    d, released, cancelled = closed_and_settled()
    again = d.settle("pay", released)
    assert again.code is Code.ORDER_NOT_PENDING and again.message == f"order {released} is released"
    refused = d.settle("release", cancelled)
    assert refused.code is Code.ORDER_NOT_PAID and refused.message == f"order {cancelled} is cancelled, not paid"
    assert d.settle("pay", "nonesuch").code is Code.UNKNOWN_ORDER
    assert d.command("mark_paid", order_id=released).message == f"order '{released}' is not in sale s2"
    assert d.send(LoadSale(consigned_sale(hall="h9"), "load-s1-again"))[-1].code is Code.SALE_EXISTS
    assert d.state.lots["L2"].spec.item == "penny-1"                 # the cancelled lot's item, offered again


def test_an_archived_sales_report_is_rebuilt_from_the_journal(tmp_path):
    d, released, cancelled = closed_and_settled()
    journal_of(d, tmp_path / "house.sqlite3").close()
    records = sale_records(tmp_path / "house.sqlite3", "s1")
    assert list(records) == ["s1"] and [b.amount for b in records["s1"].lots["1"].bids] == [100 * UNIT]
    assert {o.order_id: o.status for o in records["s1"].orders.values()} == {released: "released", cancelled: "cancelled"}
    text = render(str(tmp_path / "house.sqlite3"), "s1")
    assert text.startswith("SALE s1 (HKD)") and "1 sold of 3" in text and "SALE s2" not in text
    assert f"INVOICE {released}  [RELEASED]" in text and f"INVOICE {cancelled}  [CANCELLED]" in text
    assert list(sale_records(tmp_path / "house.sqlite3")) == ["s1", "s2"]


def test_snapshot_plus_tail_gives_the_full_replay_across_an_archived_sale(tmp_path):
    d, _, _ = closed_and_settled()
    engine = engine_over(tmp_path, d, snapshot_every=4)
    live = engine.house
    engine.journal.close()
    assert "s1" in live["auction"].closed and "s1" not in live["auction"].sales and not live["auction"].unsettled
    house, start = resumed(tmp_path, d)
    assert 0 < start < engine.seq
    assert house.state_hash() == full_replay(tmp_path, d).state_hash() == live.state_hash()
    listed = json.loads(messages.encode(open_orders(house["auction"].order, house["auction"].settlements, engine.seq)))
    assert listed["orders"] == []
