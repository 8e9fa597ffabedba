"""Descending-price clocks for quantities (spec 001's 减价拍卖; Royal FloraHolland's clock).

A holder's units are held from the listing. The clock starts at its start time by itself and falls
by shared.dutch.clock_price from the top to the floor by the end time. The first acceptance at (or
above) the clock's price buys the quantity named (at least the minimum, at most what is left) at the
price the buyer accepted; the clock then restarts for the rest from that price ("resume", the
default) or from the top ("top"). When the price reaches the floor (or the end comes) the rest is
withdrawn and its units released to the seller. An acceptance after that is answered as late.
"""
from __future__ import annotations

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
from cloud.market.policy import MarketPolicy, fees_for
from cloud.market.settle import Side, hold_for, settle
from cloud.market.state import Clock, MarketState
from shared.codes import Code
from shared.dutch import clock_price


def price_at(clock: Clock, ts: int) -> int:
    return clock_price(clock.segment_top, clock.terms.floor, max(1, clock.terms.ends_at - clock.segment_start), clock.terms.schedule,
                       clock.terms.step_ms, ts - clock.segment_start)


def withdraws_at(clock: Clock) -> int:
    """When the price reaches the floor: the end for a linear fall, the last step for steps."""
    if clock.terms.schedule == "steps":
        duration = clock.terms.ends_at - clock.segment_start
        return min(clock.terms.ends_at, clock.segment_start + max(1, duration // clock.terms.step_ms) * clock.terms.step_ms)
    return clock.terms.ends_at


def list_clock(house: House, state: MarketState, policy: MarketPolicy, c: cmd.ListClock, seq: int, ts: int) -> list[Any]:
    def decide() -> Outcome:
        trader(house, c.account, "a listing")
        kind_spec(house, c.kind)
        same_currency(policy, c.currency)
        if c.clock_id in state.clocks:
            raise Refusal(Code.CLOCK_EXISTS, f"there is already a clock {c.clock_id}: choose another id")
        if not c.floor < c.top:
            raise Refusal(Code.BAD_TERMS, "the floor must be below the top price")
        if not c.minimum <= c.quantity:
            raise Refusal(Code.BAD_TERMS, f"the minimum per purchase ({c.minimum}) is more than the quantity ({c.quantity})")
        if not ts < c.ends_at or not c.starts_at < c.ends_at:
            raise Refusal(Code.BAD_TERMS, "the clock must end after it starts, and in the future")
        plan, ids = Postings(house["ledger"], ts), TransferIds(seq)
        hold = hold_for(plan, ids, "sell", c.account, c.kind, c.currency, c.top, c.quantity, 0, f"clock {c.clock_id}")
        listed = ev.ClockListed(c.clock_id, c.account, c.kind, c.currency, c.quantity, c.minimum, c.top, c.floor, c.starts_at,
                                c.ends_at, c.schedule, c.step_ms, c.restart, hold)
        text = (f"{c.quantity} {c.kind} on clock {c.clock_id}, falling from {amount_of(c.top, c.currency)} "
                f"to {amount_of(c.floor, c.currency)}")
        return Outcome([*plan.events(), listed, *announce(house, state, c.account, c.kind, text, seq)],
                       f"clock {c.clock_id} listed: {text}; your {c.quantity} units are held until sold or withdrawn",
                       remaining=c.quantity)
    return answered_once(state, f"clock:{c.account}/{c.clock_id}", c.clock_id, c.account, seq, decide)


def accept(house: House, state: MarketState, policy: MarketPolicy, c: cmd.AcceptClock, seq: int, ts: int) -> list[Any]:
    def decide() -> Outcome:
        trader(house, c.account, "a clock purchase")
        clock = state.clocks.get(c.clock_id)
        if clock is None:
            raise Refusal(Code.UNKNOWN_CLOCK, f"there is no clock {c.clock_id}")
        if ts < clock.terms.starts_at:
            raise Refusal(Code.CLOCK_NOT_STARTED, f"clock {c.clock_id} starts at {clock.terms.starts_at} "
                                                  f"(the house's clock reads {ts})")
        if clock.status in ("sold", "withdrawn") or ts >= withdraws_at(clock):
            how = "sold out" if clock.status == "sold" else "at its floor: the rest is withdrawn"
            raise Refusal(Code.CLOCK_LATE, f"late: clock {c.clock_id} has ended ({how})")
        if c.account == clock.terms.account:
            raise Refusal(Code.SELF_TRADE, "this is your own clock")
        smallest = min(clock.terms.minimum, clock.remaining)
        if c.quantity < smallest:
            raise Refusal(Code.BELOW_MINIMUM, f"buy at least {smallest} on clock {c.clock_id}")
        if c.quantity > clock.remaining:
            raise Refusal(Code.ABOVE_REMAINING, f"only {clock.remaining} are left on clock {c.clock_id}")
        now = price_at(clock, ts)
        if c.price < now:
            raise Refusal(Code.BELOW_CLOCK, f"the clock is at {amount_of(now, clock.terms.currency)}, "
                                            f"above your {amount_of(c.price, clock.terms.currency)}")
        if c.price > clock.segment_top:
            raise Refusal(Code.BAD_VALUE, f"{amount_of(c.price, clock.terms.currency)} is above where the clock fell from "
                                          f"({amount_of(clock.segment_top, clock.terms.currency)})")
        maker_bps, taker_bps = fees_for(state, policy, clock.terms.kind, kind_spec(house, clock.terms.kind).category)
        plan, ids = Postings(house["ledger"], ts), TransferIds(seq)
        reference = f"clock {c.clock_id}"
        buyer_hold = hold_for(plan, ids, "buy", c.account, clock.terms.kind, clock.terms.currency, c.price, c.quantity, taker_bps, reference)
        buyer = Side(c.account, buyer_hold, c.price, 0, taker_bps, taker_bps)
        seller = Side(clock.terms.account, clock.hold, clock.terms.floor, clock.remaining - c.quantity, maker_bps, 0)
        buyer_fee, seller_fee, _, seller_hold = settle(plan, ids, clock.terms.kind, clock.terms.currency, buyer, seller, c.quantity,
                                                       c.price, reference)
        cost = c.price * c.quantity + buyer_fee
        left = clock.remaining - c.quantity
        told = UserNotified(clock.terms.account, "market", f"Clock {c.clock_id}: {c.quantity} {clock.terms.kind} sold at "
                            f"{amount_of(c.price, clock.terms.currency)} each ({left} left).", seq)
        return Outcome([*plan.events(), ev.ClockBought(c.clock_id, c.account, c.quantity, c.price, buyer_fee, seller_fee,
                                                       seller_hold, seq, ts), told],
                       f"you stopped clock {c.clock_id}: {c.quantity} {clock.terms.kind} at {amount_of(c.price, clock.terms.currency)} "
                       f"for {amount_of(cost, clock.terms.currency)} all-in (fee {amount_of(buyer_fee, clock.terms.currency)})",
                       c.quantity, 0, cost, buyer_fee)
    return answered_once(state, f"accept:{c.account}/{c.accept_id}", c.accept_id, c.account, seq, decide)


def tick(state: MarketState, plan: Postings, ids: TransferIds, seq: int, ts: int) -> list[Any]:
    """Clocks reaching their start time start; clocks reaching their floor or end withdraw what is left."""
    out: list[Any] = []
    for clock in (state.clocks[c] for c in state.live_clocks):
        if clock.status == "scheduled" and clock.terms.starts_at <= ts < withdraws_at(clock):
            out.append(ev.ClockStarted(clock.terms.clock_id))
        elif withdraws_at(clock) <= ts:
            plan.void(ids(), clock.hold, f"clock {clock.terms.clock_id} withdrawn")
            out += [ev.ClockWithdrawn(clock.terms.clock_id),
                    UserNotified(clock.terms.account, "market", f"Clock {clock.terms.clock_id} reached its floor: the {clock.remaining} "
                                 f"{clock.terms.kind} left are withdrawn and yours again.", seq)]
    return out


def deadline(state: MarketState) -> int | None:
    due = [clock.terms.starts_at if clock.status == "scheduled" and clock.terms.starts_at < withdraws_at(clock) else withdraws_at(clock)
           for clock in (state.clocks[c] for c in state.live_clocks)]
    return min(due, default=None)
