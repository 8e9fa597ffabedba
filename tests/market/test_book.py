"""The order book, table by table: crossing, partial fills, price-time priority, every time in force,
amend keeping or losing priority (on a partly filled order too), self-trade prevention, the price
band, fees to the minor unit, trading hours and halts, and what a user may not do."""
from __future__ import annotations

import pytest

from cloud.ledger.accounts import house_cash
from cloud.ledger.views import trial_balance
from cloud.market import commands as cmd
from shared.codes import Code
from tests.market.driver import KIND, Market

PRICE = 100_000                  # 1,000 HKD a unit
CASH, UNITS = 10_000_000, 100


@pytest.fixture
def m() -> Market:
    return Market.ready("alice", "bob", "carol")


def test_a_crossing_buy_fills_at_the_resting_price_and_moves_money_and_units_in_its_batch(m):
    assert m.order("alice", "sell", 10, PRICE).remaining == 10
    bought = m.order("bob", "buy", 4, PRICE + 5_000)
    notional = 4 * PRICE
    assert (bought.filled, bought.remaining, bought.cost, bought.fees) == (4, 0, notional + notional * 20 // 10_000, notional * 20 // 10_000)
    assert m.units("bob") == (UNITS + 4, UNITS + 4)
    assert m.units("alice") == (UNITS - 4, UNITS - 10)                      # 6 still held by the resting rest
    assert m.cash("alice") == (CASH + notional - notional * 10 // 10_000,) * 2
    assert m.cash("bob") == (CASH - bought.cost,) * 2                       # the buy's hold released with its fill
    assert m.levels("sell") == [(PRICE, ["o1"])] and m.market.orders["alice/o1"].remaining == 6
    assert all(t.balanced for t in trial_balance(m.ledger)[1])


@pytest.mark.parametrize("asks, buy, fills, rests", [
    # (seller, quantity, price) resting in this order; bob's buy (quantity, price); fills (seller order, qty, price); bob's rest
    ([("alice", 3, 100_000), ("carol", 5, 101_000)], (6, 101_000), [("o1", 3, 100_000), ("o2", 3, 101_000)], 0),
    ([("alice", 3, 100_000), ("carol", 5, 101_000)], (10, 102_000), [("o1", 3, 100_000), ("o2", 5, 101_000)], 2),
    ([("alice", 5, 100_000), ("carol", 5, 100_000)], (5, 100_000), [("o1", 5, 100_000)], 0),                   # time priority
    ([("alice", 5, 100_000), ("carol", 5, 99_000)], (5, 100_000), [("o2", 5, 99_000)], 0),                     # price first
    ([("alice", 5, 100_000), ("carol", 5, 100_000)], (7, 100_000), [("o1", 5, 100_000), ("o2", 2, 100_000)], 0),
    ([("alice", 5, 101_000)], (5, 100_000), [], 5),                                                             # no cross
])
def test_price_time_priority_and_partial_fills(m, asks, buy, fills, rests):
    for seller, quantity, price in asks:
        m.order(seller, "sell", quantity, price)
    answer = m.order("bob", "buy", *buy)
    trades = [(t.maker.split("/")[1], t.quantity, t.price) for t in _trades(m)]
    assert trades == fills
    assert answer.filled == sum(q for _, q, _ in fills) and answer.remaining == rests
    assert m.levels("buy") == ([(buy[1], [f"o{len(asks) + 1}"])] if rests else [])


def _trades(m: Market):
    from cloud.market.events import Traded
    return [e for events in m.journal for e in events if isinstance(e, Traded)]


def test_a_sell_crossing_bids_takes_the_highest_first(m):
    m.order("alice", "buy", 2, 99_000)
    m.order("carol", "buy", 2, 100_000)
    sold = m.order("bob", "sell", 3, 98_000)
    assert [(t.maker, t.quantity, t.price) for t in _trades(m)] == [("carol/o2", 2, 100_000), ("alice/o1", 1, 99_000)]
    assert sold.cost == 2 * 100_000 + 99_000 - (200_000 * 20 // 10_000 + 99_000 * 20 // 10_000)


@pytest.mark.parametrize("tif, available, ok, filled, rests, code", [
    ("gtc", 3, True, 3, 2, Code.OK),
    ("ioc", 3, True, 3, 0, Code.OK),              # the rest cancelled, its hold released
    ("fok", 3, False, 0, 0, Code.NOT_FILLED),     # all or nothing: nothing
    ("fok", 5, True, 5, 0, Code.OK),
    ("gtd", 3, True, 3, 2, Code.OK),
])
def test_time_in_force(m, tif, available, ok, filled, rests, code):
    m.order("alice", "sell", available, PRICE)
    until = m.ts + 60_000 if tif == "gtd" else None
    answer = m.order("bob", "buy", 5, PRICE, tif, until)
    assert (answer.ok, answer.filled, answer.remaining, answer.code) == (ok, filled, rests, code)
    notional = filled * PRICE
    held = 0 if not rests else rests * PRICE + rests * PRICE * 20 // 10_000
    assert m.cash("bob") == (CASH - notional - notional * 20 // 10_000, CASH - notional - notional * 20 // 10_000 - held)


def test_a_good_till_date_order_expires_at_its_time_and_releases_its_hold(m):
    m.order("bob", "buy", 5, PRICE, "gtd", m.ts + 1_000)
    assert m.cash("bob")[1] < CASH
    assert m.house.deadline() == m.ts + 990
    m.tick(500)
    assert "bob/o1" in m.market.orders
    events = m.tick(500)
    assert "bob/o1" not in m.market.orders and m.market.closed["bob/o1"] == "expired"
    assert m.cash("bob") == (CASH, CASH) and m.levels("buy") == []
    assert any(getattr(e, "kind", "") == "market" and "expired" in e.text for e in events)
    assert m.order("bob", "buy", 5, PRICE, "gtd", m.ts).code == Code.PAST_EXPIRY


def test_amend_a_lower_quantity_keeps_priority_and_anything_else_loses_it(m):
    m.order("alice", "sell", 5, PRICE)                     # o1
    m.order("carol", "sell", 5, PRICE)                     # o2
    assert m.said(cmd.AmendOrder("alice", "a1", "o1", 3)).remaining == 3
    assert m.levels("sell") == [(PRICE, ["o1", "o2"])]     # still first
    assert m.units("alice") == (UNITS, UNITS - 3)          # the hold follows the open quantity
    replaced = m.said(cmd.AmendOrder("alice", "a2", "o1", 4))
    assert replaced.ok and m.levels("sell") == [(PRICE, ["o2", "a2"])]          # more: cancel + new, last in the queue
    assert m.market.closed["alice/o1"] == "amended" and m.units("alice") == (UNITS, UNITS - 4)
    assert m.said(cmd.AmendOrder("carol", "a3", "o2", 5, PRICE - 1_000)).ok     # a new price: cancel + new
    assert m.levels("sell") == [(PRICE - 1_000, ["a3"]), (PRICE, ["a2"])]
    assert m.said(cmd.AmendOrder("carol", "a4", "a3", 5)).code == Code.NOTHING_TO_AMEND


def test_amend_on_a_partly_filled_order_counts_from_what_is_open_not_the_original_quantity(m):
    m.order("alice", "sell", 10, PRICE)                    # o1
    m.order("bob", "buy", 4, PRICE)                        # 6 left open
    assert m.said(cmd.AmendOrder("alice", "a1", "o1", 3)).remaining == 3
    order = m.market.orders["alice/o1"]
    assert (order.quantity, order.remaining) == (10, 3)
    assert m.units("alice") == (UNITS - 4, UNITS - 7)      # 3 held, not 10 - 3 or 6
    bought = m.order("carol", "buy", 5, PRICE)
    assert (bought.filled, bought.remaining) == (3, 2)
    assert "alice/o1" not in m.market.orders and m.units("alice") == (UNITS - 7, UNITS - 7)
    assert m.said(cmd.AmendOrder("alice", "a2", "o1", 1)).code == Code.ORDER_CLOSED


@pytest.mark.parametrize("others_first, filled", [(False, 0), (True, 2)])
def test_self_trade_prevention_cancels_the_incoming_rest_and_says_why(m, others_first, filled):
    if others_first:
        m.order("carol", "sell", 2, PRICE - 1_000)
    m.order("alice", "sell", 5, PRICE)
    events = m.send(cmd.PlaceOrder("alice", "mine", KIND, "buy", 5, PRICE, "HKD"))
    answer = events[-1]
    assert answer.ok and answer.filled == filled and answer.remaining == 0
    assert "your own order" in answer.message
    assert m.market.closed["alice/mine"] == "self-trade"
    assert any(getattr(e, "account", None) == "alice" and "your own order" in getattr(e, "text", "") for e in events)
    assert [p for p, _ in m.levels("sell")] == [PRICE]     # her resting sell untouched
    spent = filled * (PRICE - 1_000)
    assert m.cash("alice")[1] == CASH - spent - spent * 20 // 10_000


def test_the_price_band_refuses_a_probable_typo_and_says_the_band(m):
    assert m.order("carol", "sell", 1, 1_000_000, order_id="far").ok        # no reference yet: no band
    m.said(cmd.CancelOrder("carol", "far"))
    m.said(cmd.SetReference("r1", KIND, PRICE))
    refused = m.order("bob", "buy", 1, 110_001)
    assert refused.code == Code.OUTSIDE_BAND and "900 HKD to 1,100 HKD" in refused.message
    assert m.order("bob", "buy", 1, 110_000).ok
    assert m.order("alice", "sell", 1, 90_000).filled == 1                   # at bob's 1,100: the reference from now on
    assert m.market.last_price[KIND] == 110_000
    assert m.order("bob", "buy", 1, 121_000).ok and m.order("bob", "buy", 1, 121_001).code == Code.OUTSIDE_BAND
    assert m.order("alice", "sell", 1, 98_999).code == Code.OUTSIDE_BAND


@pytest.mark.parametrize("price, quantity, maker_bps, taker_bps", [
    (123_457, 3, 10, 20), (99, 1, 10, 20), (100_001, 7, 0, 35), (3_000_000, 3, 25, 25),
])
def test_fees_to_the_minor_unit_rounded_down_for_the_user(m, price, quantity, maker_bps, taker_bps):
    m.said(cmd.SetFees("f1", f"kind:{KIND}", maker_bps, taker_bps))
    m.order("alice", "sell", quantity, price)
    bought = m.order("bob", "buy", quantity, price)
    notional = price * quantity
    taker_fee, maker_fee = notional * taker_bps // 10_000, notional * maker_bps // 10_000
    assert (bought.cost, bought.fees) == (notional + taker_fee, taker_fee)
    assert m.cash("bob")[0] == CASH - notional - taker_fee
    assert m.cash("alice")[0] == CASH + notional - maker_fee
    assert m.ledger.account(house_cash("fees", "HKD")).balance == taker_fee + maker_fee
    assert m.ledger.account(house_cash("escrow", "HKD")).balance == 0


def test_category_fees_apply_unless_the_kind_has_its_own(m):
    m.said(cmd.SetFees("f1", "category:precious_metal_coins", 0, 50))
    m.order("alice", "sell", 1, PRICE)
    assert m.order("bob", "buy", 1, PRICE).fees == PRICE * 50 // 10_000


def test_an_order_placed_outside_trading_hours_waits_holding_its_cost_and_matches_at_the_open(m):
    assert m.said(cmd.SetHours("h1", "precious_metal_coins", 60, 120)).ok           # 01:00-02:00 UTC; now 00:16
    m.order("alice", "sell", 3, PRICE)
    waiting = m.order("bob", "buy", 5, PRICE)
    assert waiting.ok and waiting.filled == 0 and "waits for the open at 01:00" in waiting.message
    assert m.cash("bob")[1] == CASH - 5 * PRICE - 5 * PRICE * 20 // 10_000 and m.levels("sell") == []
    assert m.house.deadline() == 3_600_000
    m.tick(3_600_000 - m.ts - 1)
    assert m.levels("sell") == []
    m.tick(1)                                               # alice's sell opens first: it rests
    assert m.levels("sell") == [(PRICE, ["o1"])]
    m.tick(0)                                               # then bob's buy, which meets it
    assert m.levels("sell") == [] and m.levels("buy") == [(PRICE, ["o2"])] and m.units("bob")[0] == UNITS + 3
    assert m.house.deadline() is None


def test_a_halt_refuses_orders_but_not_cancels(m):
    m.order("alice", "sell", 3, PRICE)
    assert m.said(cmd.SetHalt("h1", f"kind:{KIND}", True)).ok
    assert m.order("bob", "buy", 3, PRICE).code == Code.MARKET_HALTED
    assert m.said(cmd.CancelOrder("alice", "o1")).ok and m.units("alice") == (UNITS, UNITS)
    m.said(cmd.SetHalt("h2", f"kind:{KIND}", False))
    assert m.order("bob", "buy", 3, PRICE).ok


@pytest.mark.parametrize("account, side, quantity, price, code", [
    ("bob", "buy", 1_000, PRICE, Code.INSUFFICIENT_FUNDS),
    ("bob", "sell", UNITS + 1, PRICE, Code.INSUFFICIENT_UNITS),
    ("dave", "buy", 1, PRICE, Code.PIN_REQUIRED),
    ("nobody", "buy", 1, PRICE, Code.NOT_APPROVED),
])
def test_nobody_sells_what_they_do_not_hold_or_buys_with_money_they_do_not_have(m, account, side, quantity, price, code):
    m.user("dave", unlocked=False)
    answer = m.order(account, side, quantity, price)
    assert answer.code == code and not answer.ok
    assert m.market.orders == {}


def test_a_cancel_after_the_fill_is_refused_and_an_order_again_is_answered_again(m):
    m.order("alice", "sell", 2, PRICE, order_id="s1")
    m.order("bob", "buy", 2, PRICE)
    assert m.said(cmd.CancelOrder("alice", "s1")).code == Code.ORDER_CLOSED
    assert m.said(cmd.CancelOrder("alice", "nope")).code == Code.ORDER_UNKNOWN
    again = m.send(cmd.PlaceOrder("alice", "s1", KIND, "sell", 2, PRICE, "HKD"))
    assert type(again[-1]).__name__ == "MarketAnsweredAgain" and len(again) == 1
    assert m.order("alice", "sell", 1, PRICE, kind="no-such-kind").code == Code.UNKNOWN_KIND


def test_a_good_till_date_order_whose_date_passes_while_it_waits_for_the_open_never_trades(m):
    m.said(cmd.SetHours("h1", "precious_metal_coins", 60, 120))
    m.order("alice", "sell", 3, PRICE)
    m.order("bob", "buy", 3, PRICE, "gtd", m.ts + 60_000)
    m.tick(3_600_000 - m.ts)                                # the open: alice's sell rests
    m.tick(0)                                               # bob's order expired an hour ago
    assert m.market.closed["bob/o2"] == "expired" and m.units("bob") == (UNITS, UNITS) and m.cash("bob") == (CASH, CASH)


def test_public_depth_is_published_retained_only_when_it_changed_and_a_closed_order_clears_its_topic(m):
    import json

    from shared import topics
    market = m.house.domain("market")
    m.said(cmd.SetHours("h1", "precious_metal_coins", 0, 1439))
    events = m.send(cmd.PlaceOrder("alice", "s1", KIND, "sell", 5, PRICE, "HKD"))
    out = {p.topic: p for p in market.settled(m.house, events, m.seq, m.ts)}
    depth = out[topics.MARKET_DEPTH.format(kind=KIND)]
    body = json.loads(depth.payload)
    assert depth.retain and body["asks"] == [{"price": PRICE, "quantity": 5, "orders": 1}] and body["bids"] == []
    assert (body["status"], body["opens_minute"], body["closes_minute"]) == ("open", 0, 1439)
    assert json.loads(out[topics.USER_ORDERS.format(account="alice", order="s1")].payload)["remaining"] == 5
    again = [p.topic for p in market.settled(m.house, events, m.seq, m.ts)]
    assert topics.MARKET_DEPTH.format(kind=KIND) not in again                  # nothing changed: not published again
    filled = m.send(cmd.PlaceOrder("bob", "b1", KIND, "buy", 5, PRICE, "HKD"))
    out = {p.topic: p for p in market.settled(m.house, filled, m.seq, m.ts)}
    assert out[topics.USER_ORDERS.format(account="alice", order="s1")].payload == b""      # closed: its retained copy cleared
    assert json.loads(out[topics.MARKET_DEPTH.format(kind=KIND)].payload)["asks"] == []
    assert json.loads(out[topics.MARKET_TAPE.format(kind=KIND)].payload)["quantity"] == 5


def test_a_reference_set_by_the_house_is_published_with_the_kinds_depth(m):
    import json

    from shared import topics
    events = m.send(cmd.SetReference("r1", KIND, PRICE))
    out = {p.topic: p for p in m.house.domain("market").settled(m.house, events, m.seq, m.ts)}
    assert json.loads(out[topics.MARKET_DEPTH.format(kind=KIND)].payload)["reference"] == PRICE
