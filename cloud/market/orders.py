"""Order books: limit orders matched by price then time, each fill at the resting order's price.

An incoming order walks the opposite side from the best price while it crosses. Self-trade
prevention cancels the incoming order's rest when it would meet its own account's resting order.
What is left then rests (gtc, gtd), is cancelled (ioc), or was never placed (fok: the whole quantity
or nothing). An order placed while its book is closed waits, holding its cost, and is matched at the open.
"""
from __future__ import annotations

from collections.abc import Iterator
from itertools import takewhile
from typing import Any

from cloud.core.refusal import Refusal
from cloud.kernel.domain import House
from cloud.ledger.accounts import quantity as amount_of
from cloud.ledger.events import UserNotified
from cloud.ledger.postings import Postings
from cloud.market import commands as cmd, events as ev
from cloud.market.answers import Outcome, answered_once
from cloud.market.guards import TransferIds, kind_spec, same_currency, trader
from cloud.market.news import announce
from cloud.market.policy import MarketPolicy, book_status, check_band, fees_for, hold_needed, next_open
from cloud.market.settle import Side, hold_for, settle
from cloud.market.state import MarketOrder, MarketState
from shared.codes import Code
from shared.times import utc_text


def place(house: House, state: MarketState, policy: MarketPolicy, c: cmd.PlaceOrder, seq: int, ts: int) -> list[Any]:
    def decide() -> Outcome:
        trader(house, c.account, "an order")
        plan, ids = Postings(house["ledger"], ts), TransferIds(seq)
        out = _new_order(house, state, policy, plan, ids, c.account, c.order_id, c.kind, c.side, c.quantity, c.price,
                         c.currency, c.tif, c.until_ms, seq, ts)
        out.events = [*plan.events(), *out.events]
        return out
    return answered_once(state, f"order:{c.account}/{c.order_id}", c.order_id, c.account, seq, decide)


def cancel(house: House, state: MarketState, policy: MarketPolicy, c: cmd.CancelOrder, seq: int, ts: int) -> list[Any]:
    def decide() -> Outcome:
        trader(house, c.account, "a cancel")
        order = open_order(state, c.account, c.order_id)
        plan = Postings(house["ledger"], ts)
        plan.void(TransferIds(seq)(), order.hold, f"order {c.order_id} cancelled")
        return Outcome([*plan.events(), ev.OrderEnded(order.key, order.kind, "cancelled")],
                       f"order {c.order_id} cancelled: its {order.remaining} open units are off the book and the hold is released")
    return answered_once(state, f"cancel:{c.account}/{c.order_id}", c.order_id, c.account, seq, decide)


def amend(house: House, state: MarketState, policy: MarketPolicy, c: cmd.AmendOrder, seq: int, ts: int) -> list[Any]:
    """A lower open quantity at the same price keeps the order's place; anything else cancels it and
    places `amend_id` as a new order for `quantity` at the new price (matched like any new order)."""
    def decide() -> Outcome:
        trader(house, c.account, "an amend")
        order = open_order(state, c.account, c.order_id)
        price = order.price if c.price is None else c.price
        plan, ids = Postings(house["ledger"], ts), TransferIds(seq)
        if price == order.price and c.quantity == order.remaining:
            raise Refusal(Code.NOTHING_TO_AMEND, f"order {c.order_id} already has {order.remaining} open at this price")
        plan.void(ids(), order.hold, f"order {c.order_id} amended")
        if price == order.price and c.quantity < order.remaining:
            hold = hold_for(plan, ids, order.side, order.account, order.kind, policy.currency, price, c.quantity,
                            max(order.maker_bps, order.taker_bps), f"order {c.order_id}")
            return Outcome([*plan.events(), ev.OrderReduced(order.key, order.kind, c.quantity, hold)],
                           f"order {c.order_id} now has {c.quantity} open (was {order.remaining}); it keeps its place in the queue",
                           remaining=c.quantity)
        out = _new_order(house, state, policy, plan, ids, c.account, c.amend_id, order.kind, order.side, c.quantity, price,
                         policy.currency, order.tif, order.until_ms, seq, ts)
        out.events = [*plan.events(), ev.OrderEnded(order.key, order.kind, "amended"), *out.events]
        out.message = f"order {c.order_id} cancelled and replaced by {c.amend_id} (it loses its place): {out.message}"
        return out
    return answered_once(state, f"amend:{c.account}/{c.amend_id}", c.amend_id, c.account, seq, decide)


def open_order(state: MarketState, account: str, order_id: str) -> MarketOrder:
    key = f"{account}/{order_id}"
    order = state.orders.get(key)
    if order is not None:
        return order
    if key in state.closed:
        raise Refusal(Code.ORDER_CLOSED, f"order {order_id} is no longer open: it was {state.closed[key]}")
    raise Refusal(Code.ORDER_UNKNOWN, f"you have no order {order_id}")


def _new_order(house: House, state: MarketState, policy: MarketPolicy, plan: Postings, ids: TransferIds, account: str,
               order_id: str, kind: str, side: str, quantity: int, price: int, currency: str, tif: str,
               until_ms: int | None, seq: int, ts: int) -> Outcome:
    key = f"{account}/{order_id}"
    if key in state.orders or key in state.closed:
        raise Refusal(Code.BAD_VALUE, f"order id {order_id} was used before: give each order a new id")
    spec = kind_spec(house, kind)
    same_currency(policy, currency)
    if (tif == "gtd") != (until_ms is not None):
        raise Refusal(Code.BAD_VALUE, "a good-till-date order needs until_ms, and only it")
    if until_ms is not None and until_ms <= ts:
        raise Refusal(Code.PAST_EXPIRY, f"good until {utc_text(until_ms, True)} UTC: that time has passed (the house's clock reads "
                                         f"{utc_text(ts, True)})")
    status = book_status(state, kind, spec.category, ts)
    if status == "halted":
        raise Refusal(Code.MARKET_HALTED, f"trading in {kind} is halted by the house: cancels only")
    check_band(house, policy, kind, price)
    maker_bps, taker_bps = fees_for(state, policy, kind, spec.category)
    hold = hold_for(plan, ids, side, account, kind, currency, price, quantity, max(maker_bps, taker_bps), f"order {order_id}")
    order = MarketOrder(key, account, order_id, kind, side, price, quantity, quantity, tif, until_ms, maker_bps, taker_bps,
                        hold, seq, "new")
    opens = next_open(state, spec.category, ts) if status == "closed" else None
    accepted = ev.OrderAccepted(key, account, order_id, kind, side, price, quantity, tif, until_ms, maker_bps, taker_bps,
                                hold, seq, opens)
    if opens is not None:
        return Outcome([accepted], f"{kind}'s book is closed: order {order_id} waits for the open at {_clock(opens)} UTC, "
                                   f"holding {_cost_of(policy, order)}", remaining=quantity)
    if tif == "fok":
        fillable = _fillable(state, order)
        if fillable < quantity:
            raise Refusal(Code.NOT_FILLED, f"fill or kill: only {fillable} of {quantity} could be filled at "
                                           f"{amount_of(price, currency)} or better; nothing was done")
    out = execute(house, state, policy, plan, ids, order, seq, ts)
    out.events.insert(0, accepted)
    return out


def execute(house: House, state: MarketState, policy: MarketPolicy, plan: Postings, ids: TransferIds, order: MarketOrder,
            seq: int, ts: int) -> Outcome:
    """Match an order against its book, then rest, cancel or end its rest (the order's own events, no answer)."""
    currency, events, notices = policy.currency, [], []
    remaining, hold, filled, cost, fees, met_own = order.remaining, order.hold, 0, 0, 0, None
    reference = f"order {order.order_id}"
    for maker in crossing(state, order):
        if remaining == 0:
            break
        if maker.account == order.account:
            met_own = maker
            break
        quantity, price = min(remaining, maker.remaining), maker.price
        remaining -= quantity
        taker_side = Side(order.account, hold, order.price, remaining, order.taker_bps, max(order.maker_bps, order.taker_bps))
        maker_side = Side(maker.account, maker.hold, maker.price, maker.remaining - quantity, maker.maker_bps,
                          max(maker.maker_bps, maker.taker_bps))
        buyer, seller = (taker_side, maker_side) if order.side == "buy" else (maker_side, taker_side)
        buyer_fee, seller_fee, buyer_hold, seller_hold = settle(plan, ids, order.kind, currency, buyer, seller, quantity,
                                                                price, reference)
        hold, maker_hold = (buyer_hold, seller_hold) if order.side == "buy" else (seller_hold, buyer_hold)
        events.append(ev.Traded(order.kind, order.side, order.key, maker.key, quantity, price, buyer_fee, seller_fee, hold,
                                maker_hold, seq, ts))
        taker_fee = buyer_fee if order.side == "buy" else seller_fee
        filled, fees = filled + quantity, fees + taker_fee
        cost += price * quantity + taker_fee if order.side == "buy" else price * quantity - taker_fee
    verb = "bought" if order.side == "buy" else "sold"
    parts = [f"{verb} {filled} of {order.remaining} {order.kind} for {amount_of(cost, currency)} all-in "
             f"(fees {amount_of(fees, currency)})"] if filled else [f"order {order.order_id} placed"]
    rest = remaining
    if remaining and met_own is not None:
        plan.void(ids(), hold, f"{reference}: self-trade prevented")
        events.append(ev.OrderEnded(order.key, order.kind, "self-trade"))
        parts.append(f"the other {remaining} were cancelled: they would have traded with your own order {met_own.order_id}")
        notices.append(UserNotified(order.account, "market", f"Order {order.order_id}: {parts[-1]}.", seq))
        rest = 0
    elif remaining and order.tif in ("ioc", "fok"):
        plan.void(ids(), hold, f"{reference}: immediate or cancel")
        events.append(ev.OrderEnded(order.key, order.kind, "unfilled"))
        parts.append(f"the other {remaining} were cancelled (immediate or cancel)")
        rest = 0
    elif remaining:
        events.append(ev.OrderRested(order.key, order.kind))
        rested = MarketOrder(**{**vars(order), "remaining": remaining})
        parts.append(f"{remaining} rest on the book at {amount_of(order.price, currency)}, holding {_cost_of(policy, rested)}")
        if order.side == "sell":
            notices.extend(announce(house, state, order.account, order.kind,
                                    f"{remaining} {order.kind} listed for sale at {amount_of(order.price, currency)} each", seq))
    return Outcome([*events, *notices], "; ".join(parts), filled, rest, cost, fees)


def crossing(state: MarketState, order: MarketOrder) -> Iterator[MarketOrder]:
    """The opposite side's resting orders that cross `order`, best price first, then oldest first."""
    book = state.books.get(order.kind)
    if book is None:
        return
    if order.side == "buy":
        levels, prices = book.asks, takewhile(lambda p: p <= order.price, book.ask_prices)
    else:
        levels, prices = book.bids, takewhile(lambda p: p >= order.price, reversed(book.bid_prices))
    for price in prices:
        for key in levels[price]:
            yield state.orders[key]


def _fillable(state: MarketState, order: MarketOrder) -> int:
    """Units that would fill now before meeting the account's own resting order (fill or kill)."""
    total = 0
    for maker in crossing(state, order):
        if maker.account == order.account or total >= order.remaining:
            break
        total += maker.remaining
    return total


def expire(state: MarketState, plan: Postings, ids: TransferIds, seq: int, ts: int) -> list[Any]:
    """Good-till-date orders whose time came: off the book, holds released, owners told."""
    out: list[Any] = []
    for key, until in state.expiries.items():
        if until <= ts:
            order = state.orders[key]
            plan.void(ids(), order.hold, f"order {order.order_id} expired")
            out += [ev.OrderEnded(key, order.kind, "expired"),
                    UserNotified(order.account, "market", f"Order {order.order_id} expired with {order.remaining} "
                                                          f"{order.kind} unfilled; its hold is released.", seq)]
    return out


def open_waiting(house: House, state: MarketState, policy: MarketPolicy, plan: Postings, ids: TransferIds, seq: int,
                 ts: int) -> list[Any]:
    """The oldest waiting order whose book has opened, matched as if placed now (one per tick: the
    next sees this one's fills). A fill or kill that cannot fill whole ends unfilled."""
    for key, opens_at in state.waiting.items():
        order = state.orders[key]
        category = kind_spec(house, order.kind).category
        status = book_status(state, order.kind, category, ts)
        if opens_at > ts or status == "halted":
            continue
        if order.until_ms is not None and order.until_ms <= ts:     # its date passed while it waited
            plan.void(ids(), order.hold, f"order {order.order_id} expired")
            return [ev.OrderEnded(key, order.kind, "expired"), UserNotified(order.account, "market",
                    f"Order {order.order_id} expired before its book opened; its hold is released.", seq)]
        if status == "closed":                      # the house moved the hours since: wait for the new open
            return [ev.OrderWaits(key, next_open(state, category, ts))]
        if order.tif == "fok" and _fillable(state, order) < order.remaining:
            plan.void(ids(), order.hold, f"order {order.order_id}: fill or kill")
            return [ev.OrderEnded(key, order.kind, "unfilled"), UserNotified(order.account, "market",
                    f"Order {order.order_id} (fill or kill) could not fill whole at the open: cancelled.", seq)]
        out = execute(house, state, policy, plan, ids, order, seq, ts)
        return [*out.events, UserNotified(order.account, "market", f"Order {order.order_id} at the open: {out.message}.", seq)]
    return []


def waiting_deadline(house: House, state: MarketState) -> int | None:
    """The earliest open a waiting order waits for, in a book the house has not halted."""
    return min((opens_at for key, opens_at in state.waiting.items()
                if book_status(state, (order := state.orders[key]).kind, kind_spec(house, order.kind).category, opens_at)
                != "halted"), default=None)


def _cost_of(policy: MarketPolicy, order: MarketOrder) -> str:
    if order.side == "buy":
        return amount_of(hold_needed(order.price, order.remaining, max(order.maker_bps, order.taker_bps)), policy.currency)
    return f"{order.remaining} {order.kind}"


def _clock(ts: int) -> str:
    return f"{ts % 86_400_000 // 3_600_000:02d}:{ts % 3_600_000 // 60_000:02d}"
