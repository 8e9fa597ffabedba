"""Each settlement step and each refusal, as tables: the hammer's holds, payment, release, default."""
from __future__ import annotations

import json

import pytest

from cloud.core import events as ev
from cloud.core.catalog import LotSpec
from cloud.core.commands import CloseSale, Instruction, LoadSale, RunCommand, SettleOrder
from cloud.core.domain import sale_state
from cloud.custody import commands as custody
from cloud.kernel.domain import House, Stamped, Tick
from shared import topics
from shared.codes import Code
from tests.core.driver import UNIT
from tests.core.settlement_driver import DAY, Settling, consigned_sale, notified
from tests.ledger.driver import DRAGON


def test_a_lot_takes_its_title_and_description_from_the_catalog_and_its_consignor_from_custody():
    d = Settling().prepare()
    spec = d.state.lots["1"].spec
    assert spec.title == f"{DRAGON.name}, MS-65" and spec.item == "dragon-1"
    assert d.state.lots["2"].spec.title == "Penny Black on cover"        # given in the sale: kept
    assert d.state.lots["3"].spec.item is None


@pytest.mark.parametrize("lot, code", [
    (LotSpec("9", "", opening=100, item="nope"), Code.UNKNOWN_ITEM),
    (LotSpec("9", "", opening=100, item="dragon-1"), Code.BAD_COMMAND),      # already in open sale s1
])
def test_a_lot_naming_an_unusable_item_is_refused(lot, code):
    d = Settling().prepare()
    spec = consigned_sale(sale="s2", hall="h2", lots=(lot,))
    answer = d.send(LoadSale(spec, "load-2"))[-1]
    assert answer.code is code and not answer.ok and "s2" not in d.house["auction"].sales


def test_hammer_to_a_buyer_with_funds_holds_the_total_and_the_consignors_unit():
    d = Settling().prepare()
    order_id = d.sold_to("alice", 100 * UNIT)
    order = d.state.orders[order_id]
    assert order.total == 125 * UNIT and order.status == "pending"
    assert d.cash("alice") == (1_000 * UNIT, 875 * UNIT)                    # held, not moved
    assert d.units("carol") == (1, 0)
    settlement = d.house["auction"].settlements[order_id]
    assert settlement.consignor == "carol" and settlement.funds_hold and settlement.units_hold
    assert any(order_id in text and "held from your funds" in text for text in d.notices("alice"))
    assert any("sold for 100 HKD" in text for text in d.notices("carol"))


def test_hammer_to_a_buyer_without_enough_funds_leaves_the_order_awaiting_payment():
    d = Settling().prepare(funds={"alice": 50 * UNIT})
    order_id = d.sold_to("alice", 100 * UNIT)
    settlement = d.house["auction"].settlements[order_id]
    assert settlement.funds_hold is None and settlement.units_hold is None
    assert d.cash("alice") == (50 * UNIT, 50 * UNIT) and d.units("carol") == (1, 1)
    assert any("Please pay 125 HKD within 3 days" in text for text in d.notices("alice"))


def test_paid_from_the_hold_then_released_pays_the_consignor_and_gives_the_buyer_the_unit():
    d = Settling().prepare()
    order_id = d.sold_to("alice", 100 * UNIT)
    paid = d.settle("pay", order_id)
    assert paid.ok, paid.message
    assert d.cash("alice") == (875 * UNIT, 875 * UNIT) and d.cash("escrow") == (125 * UNIT, 125 * UNIT)
    assert d.state.orders[order_id].status == "paid"
    released = d.settle("release", order_id, reason="collected at the counter")
    assert released.ok, released.message
    # commission 10 % of 100 = 10, below the minimum of 50: 50; the consignor gets 50
    assert d.cash("carol") == (50 * UNIT, 50 * UNIT)
    assert d.cash("commission")[0] == 50 * UNIT and d.cash("premium")[0] == 25 * UNIT and d.cash("escrow")[0] == 0
    assert d.units("alice") == (1, 1) and d.units("carol") == (0, 0)
    assert d.state.orders[order_id].status == "released" and order_id not in d.house["auction"].settlements
    assert any("Payout of 50 HKD sent" in text and "commission 50 HKD" in text for text in d.notices("carol"))
    assert any("released to you (collected at the counter)" in text for text in d.notices("alice"))
    assert d.balanced()


def test_paid_from_funds_deposited_after_the_hammer():
    d = Settling().prepare(funds={"alice": 50 * UNIT})
    order_id = d.sold_to("alice", 100 * UNIT)
    assert d.settle("pay", order_id).code is Code.INSUFFICIENT_FUNDS
    d.fund("alice", 100 * UNIT)
    assert d.settle("pay", order_id).ok
    assert d.cash("alice") == (25 * UNIT, 25 * UNIT) and d.units("carol") == (1, 0)


def test_a_bank_payment_releases_the_hold_and_is_recorded_once():
    d = Settling().prepare()
    first, reference = d.sold_to("alice", 100 * UNIT), "HSBC-778"
    assert d.settle("pay", first, reference=reference).ok
    assert d.cash("alice") == (1_000 * UNIT, 1_000 * UNIT)                  # the hold is released: the bank paid
    d.command("open_lot")
    second = d.sold_to("bob", 200 * UNIT, lot="2")
    again = d.settle("pay", second, reference=reference)
    assert again.code is Code.DUPLICATE_REFERENCE and d.state.orders[second].status == "pending"


def test_a_paddle_buyer_with_no_account_pays_by_bank_and_collects_the_item_out_of_custody():
    d = Settling().prepare()
    d.hall_bid(11, 100 * UNIT)
    d.command("hammer")
    order_id = d.state.lots["1"].order_id
    assert d.settle("pay", order_id).code is Code.REFERENCE_NEEDED
    assert d.command("mark_paid", order_id=order_id).code is Code.REFERENCE_NEEDED
    assert d.settle("pay", order_id, reference="CASH-1").ok
    assert d.settle("release", order_id).ok
    assert d.units("carol") == (0, 0) and "dragon-1" in d.house["custody"].withdrawn
    assert d.balanced()


@pytest.mark.parametrize("action, status, code", [
    ("release", "pending", Code.ORDER_NOT_PAID),
    ("pay", "paid", Code.ORDER_NOT_PENDING),
    ("cancel", "paid", Code.ORDER_NOT_PENDING),
    ("release", "released", Code.ORDER_NOT_PAID),
])
def test_steps_out_of_order_are_refused_with_their_code(action, status, code):
    d = Settling().prepare()
    order_id = d.sold_to("alice", 100 * UNIT)
    for step in {"pending": (), "paid": ("pay",), "released": ("pay", "release")}[status]:
        assert d.settle(step, order_id).ok
    assert d.settle(action, order_id).code is code
    assert d.settle("pay", "no-such-order").code is Code.UNKNOWN_ORDER


def test_the_release_period_releases_a_paid_order_by_the_houses_clock():
    d = Settling().prepare()
    order_id = d.sold_to("alice", 100 * UNIT)
    d.settle("pay", order_id)
    assert d.house.deadline() == d.house["auction"].settlements[order_id].release_at
    assert d.tick(10 * DAY - 1_000) == []
    events = d.tick(1_000)
    assert ev.OrderReleased(order_id, "the release period ended") in events     # (the driver unwraps InSale)
    assert d.cash("carol")[0] == 50 * UNIT and d.house.deadline() is None


def test_cancelled_after_its_due_date_charges_the_fee_releases_the_holds_and_reoffers_the_lot():
    d = Settling().prepare(funds={"alice": 1_000 * UNIT, "bob": 500 * UNIT})
    order_id = d.sold_to("alice", 100 * UNIT)
    assert d.command("open_lot").ok                                        # the sale goes on: lot 2
    assert d.send(Tick(), 3 * DAY) == []                                 # a due date passing moves nothing by itself
    answer = d.settle("cancel", order_id, reason="not paid in 3 days")
    assert answer.ok, answer.message
    # fee: 10 % of 125 = 12.50, below the minimum of 20: 20
    assert d.cash("alice") == (980 * UNIT, 980 * UNIT) and d.cash("fees")[0] == 20 * UNIT and d.units("carol") == (1, 1)
    assert d.state.orders[order_id].status == "cancelled" and d.state.lots["1"].status == "pending"
    assert any("cancelled: not paid in 3 days. A default fee of 20 HKD was charged." in t for t in d.notices("alice"))
    assert any("offered again in this sale" in t for t in d.notices("carol"))
    d.command("pass")
    assert d.command("open_lot").ok and d.state.current_lot == "3"       # the rest of the run list first ...
    d.command("pass")
    assert d.command("open_lot").ok and d.state.current_lot == "1"       # ... then the re-offered lot
    resold = d.sold_to("bob", 120 * UNIT)
    assert resold != order_id and d.state.orders[resold].buyer == "online:bob" and d.units("carol") == (1, 0)
    assert d.balanced()


def test_a_default_fee_takes_only_what_the_buyer_has_available_and_says_so():
    d = Settling().prepare(funds={"alice": 5 * UNIT})
    order_id = d.sold_to("alice", 100 * UNIT)
    answer = d.settle("cancel", order_id, advance_ms=3 * DAY + 1)
    assert answer.ok and d.cash("alice") == (0, 0)
    assert any("A default fee of 5 HKD was charged (20 HKD was due" in t for t in d.notices("alice"))


def test_cancelled_before_its_due_date_costs_nothing():
    d = Settling().prepare()
    order_id = d.sold_to("alice", 100 * UNIT)
    assert d.command("cancel_order", order_id=order_id, text="buyer withdrew by agreement").ok
    assert d.cash("alice") == (1_000 * UNIT, 1_000 * UNIT) and d.units("carol") == (1, 1)


def test_a_passed_lot_is_told_to_its_consignor():
    d = Settling().prepare()
    events = d.send(RunCommand(Instruction("p1", "pass", text="no bids"), "h1"))
    assert notified(events, "carol") == [f"Lot 1 ({DRAGON.name}, MS-65) in sale s1 was passed: no bids."]


def test_a_reopened_lot_releases_its_holds():
    d = Settling().prepare()
    order_id = d.sold_to("alice", 100 * UNIT)
    assert d.command("reopen").ok
    assert d.cash("alice") == (1_000 * UNIT, 1_000 * UNIT) and d.units("carol") == (1, 1)
    assert order_id not in d.house["auction"].settlements


def test_the_house_lot_pays_the_whole_hammer_to_the_house():
    d = Settling().prepare()
    d.command("pass")
    d.command("open_lot")
    d.command("pass")
    d.command("open_lot")
    order_id = d.sold_to("alice", 100 * UNIT, lot="3")
    assert d.settle("pay", order_id).ok and d.settle("release", order_id).ok
    assert d.cash("commission")[0] == 100 * UNIT and d.cash("premium")[0] == 25 * UNIT and d.balanced()


def test_a_repeated_desk_command_is_answered_again_and_moves_nothing():
    d = Settling().prepare()
    order_id = d.sold_to("alice", 100 * UNIT)
    first = d.send(SettleOrder("same", "pay", order_id))
    again = d.send(SettleOrder("same", "pay", order_id))
    assert again == [first[-1]] and d.cash("alice") == (875 * UNIT, 875 * UNIT)


def test_a_reoffered_lot_is_published_again_in_the_run_list():
    d = Settling().prepare()
    order_id = d.sold_to("alice", 100 * UNIT)
    events = d.house.handle(Stamped(d.seq + 1, d.ts + 10, SettleOrder("c-x", "cancel", order_id)))
    published = d.house.settled(events, d.seq + 1, d.ts + 10)
    run_list = next(p for p in published if p.topic == topics.SALE_CATALOG.format(sale="s1"))
    assert json.loads(run_list.payload)["lots"][0]["status"] == "pending"
    lot_state = next(p for p in published if p.topic == topics.LOT_STATE.format(sale="s1"))
    assert json.loads(lot_state.payload)["status"] == "pending"          # the room's screens see it offerable again
    orders = next(p for p in published if p.topic == topics.OPEN_ORDERS.format())
    assert json.loads(orders.payload)["open"] == 0


def test_a_paddle_linked_to_an_account_is_held_like_an_online_buyer():
    d = Settling().prepare()
    assert d.command("register_paddle", paddle=20, name="Alice in the room", account="alice").ok
    d.hall_bid(20, 100 * UNIT)
    d.command("hammer")
    settlement = d.house["auction"].settlements[d.state.lots["1"].order_id]
    assert settlement.buyer == "alice" and settlement.funds_hold and d.cash("alice") == (1_000 * UNIT, 875 * UNIT)


def test_a_cancelled_lot_of_a_closed_sale_is_offered_in_a_later_sale():
    d = Settling().prepare()
    order_id = d.sold_to("alice", 100 * UNIT)
    assert d.send(CloseSale("s1", "close-s1"))[-1].ok
    assert d.settle("cancel", order_id, reason="the buyer withdrew").message.endswith("lot 1 offered in a later sale")
    later = consigned_sale(sale="s2", hall="h2", lots=(LotSpec("L1", "", opening=80 * UNIT, item="dragon-1"),))
    assert d.send(LoadSale(later, "load-s2"))[-1].ok
    assert sale_state(d.house, "s2").lots["L1"].spec.title == f"{DRAGON.name}, MS-65"


def test_a_paid_lot_cannot_be_reopened_so_no_payment_is_stranded_in_escrow():
    d = Settling().prepare()
    order_id = d.sold_to("alice", 100 * UNIT)
    assert d.settle("pay", order_id).ok
    refused = d.command("reopen")
    assert refused.code is Code.CANNOT_REOPEN and "is paid" in refused.message
    assert d.state.orders[order_id].status == "paid" and d.cash("escrow")[0] == 125 * UNIT


def test_a_lot_with_no_estimate_takes_its_kinds_valuation():
    """Issue 14: the valuation is the default estimate of a hall lot of that kind (10 % either side)."""
    from cloud.marketdata.domain import MarketDataDomain
    d = Settling()
    d.house = House([*d.house.domains, MarketDataDomain()])
    d.prepare()
    d.sold_to("alice", 100 * UNIT)                                     # a dragon traded at 100 HKD
    for n in (2, 3):
        d.send(custody.DepositItem(f"dep-{n + 1}", f"dragon-{n}", "carol", DRAGON.kind))
    later = consigned_sale(sale="s2", hall="h2", lots=(LotSpec("L1", "", opening=80 * UNIT, item="dragon-2"),
                                                       LotSpec("L2", "", opening=80 * UNIT, item="dragon-3", estimate_low=5_000,
                                                               estimate_high=9_000)))
    assert d.send(LoadSale(later, "load-s2"))[-1].ok
    lots = sale_state(d.house, "s2").lots
    assert (lots["L1"].spec.estimate_low, lots["L1"].spec.estimate_high) == (90 * UNIT, 110 * UNIT)
    assert (lots["L2"].spec.estimate_low, lots["L2"].spec.estimate_high) == (5_000, 9_000)   # given in the sale: kept
