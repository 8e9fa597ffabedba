"""The exchange's state, and `apply`: the only code that changes it."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import singledispatch
from typing import Any

from cloud.market import events as ev
from cloud.market.commands import NewIssue


@dataclass
class MarketOrder:
    key: str
    account: str
    order_id: str
    kind: str
    side: str
    price: int
    quantity: int
    remaining: int
    tif: str
    until_ms: int | None
    maker_bps: int
    taker_bps: int
    hold: str
    seq: int
    status: str                   # new | waiting | resting


@dataclass
class Book:
    """One kind's resting orders: per price a queue of order keys in time order (a dict, so an order
    leaves from anywhere in the queue at once) and the units open there (what the depth shows, kept as
    orders rest, fill and leave: never summed over a queue), and the prices sorted."""
    bids: dict[int, dict[str, None]] = field(default_factory=dict)
    asks: dict[int, dict[str, None]] = field(default_factory=dict)
    bid_prices: list[int] = field(default_factory=list)     # ascending: the best bid is the last
    ask_prices: list[int] = field(default_factory=list)     # ascending: the best ask is the first
    bid_units: dict[int, int] = field(default_factory=dict)
    ask_units: dict[int, int] = field(default_factory=dict)

    def side(self, side: str) -> tuple[dict[int, dict[str, None]], list[int], dict[int, int]]:
        return (self.bids, self.bid_prices, self.bid_units) if side == "buy" else (self.asks, self.ask_prices, self.ask_units)

    def add(self, order: MarketOrder) -> None:
        levels, prices, units = self.side(order.side)
        queue = levels.get(order.price)
        if queue is None:
            queue = levels[order.price] = {}
            units[order.price] = 0
            bisect.insort(prices, order.price)
        queue[order.key] = None
        units[order.price] += order.remaining

    def reduce(self, order: MarketOrder, by: int) -> None:
        """A resting order's open units fell by `by` (a fill, or an amend that keeps its place)."""
        self.side(order.side)[2][order.price] -= by

    def remove(self, order: MarketOrder) -> None:
        levels, prices, units = self.side(order.side)
        queue = levels[order.price]
        del queue[order.key]
        if queue:
            units[order.price] -= order.remaining
        else:
            del levels[order.price], units[order.price]
            del prices[bisect.bisect_left(prices, order.price)]


@dataclass
class Clock:
    """A listed clock: its terms as listed, and what has happened since."""
    terms: ev.ClockListed
    hold: str                     # the seller's hold on what is left
    remaining: int
    segment_top: int              # the price the current fall started from
    segment_start: int            # and when
    status: str = "scheduled"     # scheduled | running | sold | withdrawn
    stops: list[tuple[int, int, int]] = field(default_factory=list)    # quantity, price, ts


@dataclass
class Application:
    key: str
    account: str
    quantity: int
    hold: str


@dataclass
class Issue:
    terms: NewIssue
    status: str = "announced"     # announced | allocated
    applications: list[Application] = field(default_factory=list)
    allocations: tuple[int, ...] = ()


@dataclass
class MarketState:
    orders: dict[str, MarketOrder] = field(default_factory=dict)         # open orders (new, waiting, resting)
    closed: dict[str, str] = field(default_factory=dict)                 # a closed order's key -> why it closed
    books: dict[str, Book] = field(default_factory=dict)
    by_account: dict[str, dict[str, None]] = field(default_factory=dict)  # account -> its open orders' keys, in order
    expiries: dict[str, int] = field(default_factory=dict)               # resting gtd order -> its expiry
    waiting: dict[str, int] = field(default_factory=dict)                # placed while the book was closed -> its open
    last_price: dict[str, int] = field(default_factory=dict)
    references: dict[str, int] = field(default_factory=dict)             # the house's reference price per kind
    fees: dict[str, tuple[int, int]] = field(default_factory=dict)       # "kind:K" | "category:C" -> maker, taker bps
    hours: dict[str, tuple[int, int]] = field(default_factory=dict)      # category -> opens, closes (UTC minute)
    halted: set[str] = field(default_factory=set)                        # "all", "kind:K", "category:C"
    clocks: dict[str, Clock] = field(default_factory=dict)
    live_clocks: dict[str, None] = field(default_factory=dict)           # scheduled or running: what the clock's tick reads
    issues: dict[str, Issue] = field(default_factory=dict)
    open_issues: dict[str, None] = field(default_factory=dict)           # announced, not yet allocated
    subscribers: dict[str, dict[str, None]] = field(default_factory=dict)  # "scope:value" -> accounts
    answers: dict[str, ev.MarketAnswered] = field(default_factory=dict)

    def book(self, kind: str) -> Book:
        return self.books.get(kind) or Book()


@singledispatch
def apply(event: Any, state: MarketState) -> None:
    raise TypeError(f"the market does not apply {type(event).__name__}")


@apply.register
def _(e: ev.OrderAccepted, s: MarketState) -> None:
    s.orders[e.key] = MarketOrder(e.key, e.account, e.order_id, e.kind, e.side, e.price, e.quantity, e.quantity, e.tif,
                                  e.until_ms, e.maker_bps, e.taker_bps, e.hold, e.seq, "new" if e.opens_at is None else "waiting")
    s.by_account.setdefault(e.account, {})[e.key] = None
    if e.opens_at is not None:
        s.waiting[e.key] = e.opens_at


@apply.register
def _(e: ev.OrderWaits, s: MarketState) -> None:
    s.waiting[e.key] = e.opens_at


@apply.register
def _(e: ev.Traded, s: MarketState) -> None:
    s.last_price[e.kind] = e.price
    for key, hold in ((e.maker, e.maker_hold), (e.taker, e.taker_hold)):
        order = s.orders[key]
        order.remaining -= e.quantity
        if order.status == "resting":
            s.books[order.kind].reduce(order, e.quantity)
        order.hold = hold
        if order.remaining == 0:
            _close(s, order, "filled")


@apply.register
def _(e: ev.OrderRested, s: MarketState) -> None:
    order = s.orders[e.key]
    s.waiting.pop(e.key, None)
    order.status = "resting"
    s.books.setdefault(order.kind, Book()).add(order)
    if order.until_ms is not None:
        s.expiries[order.key] = order.until_ms


@apply.register
def _(e: ev.OrderEnded, s: MarketState) -> None:
    _close(s, s.orders[e.key], e.reason)


@apply.register
def _(e: ev.OrderReduced, s: MarketState) -> None:
    order = s.orders[e.key]
    if order.status == "resting":
        s.books[order.kind].reduce(order, order.remaining - e.remaining)
    order.remaining, order.hold = e.remaining, e.hold


def _close(s: MarketState, order: MarketOrder, reason: str) -> None:
    if order.status == "resting":
        s.books[order.kind].remove(order)
    s.waiting.pop(order.key, None)
    s.expiries.pop(order.key, None)
    del s.orders[order.key]
    del s.by_account[order.account][order.key]
    s.closed[order.key] = reason


@apply.register
def _(e: ev.ClockListed, s: MarketState) -> None:
    s.clocks[e.clock_id] = Clock(e, e.hold, e.quantity, e.top, e.starts_at)
    s.live_clocks[e.clock_id] = None


@apply.register
def _(e: ev.ClockStarted, s: MarketState) -> None:
    s.clocks[e.clock_id].status = "running"


@apply.register
def _(e: ev.ClockBought, s: MarketState) -> None:
    clock = s.clocks[e.clock_id]
    s.last_price[clock.terms.kind] = e.price
    clock.remaining -= e.quantity
    clock.hold = e.hold
    clock.stops.append((e.quantity, e.price, e.ts))
    clock.status = "sold" if clock.remaining == 0 else "running"
    if clock.status == "sold":
        del s.live_clocks[e.clock_id]
    clock.segment_top = e.price if clock.terms.restart == "resume" else clock.terms.top
    clock.segment_start = e.ts


@apply.register
def _(e: ev.ClockWithdrawn, s: MarketState) -> None:
    s.clocks[e.clock_id].status = "withdrawn"
    del s.live_clocks[e.clock_id]


@apply.register
def _(e: ev.IssueOpened, s: MarketState) -> None:
    s.issues[e.issue.issue_id] = Issue(e.issue)
    s.open_issues[e.issue.issue_id] = None


@apply.register
def _(e: ev.IssueApplied, s: MarketState) -> None:
    s.issues[e.issue_id].applications.append(Application(e.key, e.account, e.quantity, e.hold))


@apply.register
def _(e: ev.IssueAllocated, s: MarketState) -> None:
    issue = s.issues[e.issue_id]
    issue.status, issue.allocations = "allocated", e.allocations
    del s.open_issues[e.issue_id]


@apply.register
def _(e: ev.Subscribed, s: MarketState) -> None:
    accounts = s.subscribers.setdefault(f"{e.scope}:{e.value}", {})
    if e.active:
        accounts[e.account] = None
    else:
        accounts.pop(e.account, None)


@apply.register
def _(e: ev.FeesSet, s: MarketState) -> None:
    s.fees[e.scope] = (e.maker_bps, e.taker_bps)


@apply.register
def _(e: ev.HoursSet, s: MarketState) -> None:
    s.hours[e.category] = (e.opens_minute, e.closes_minute)


@apply.register
def _(e: ev.HaltSet, s: MarketState) -> None:
    (s.halted.add if e.halted else s.halted.discard)(e.scope)


@apply.register
def _(e: ev.ReferenceSet, s: MarketState) -> None:
    s.references[e.kind] = e.price


@apply.register
def _(e: ev.MarketAnswered, s: MarketState) -> None:
    s.answers[e.key] = e


@apply.register
def _(e: ev.MarketAnsweredAgain, s: MarketState) -> None:
    """The same command again: nothing changes (its answer is sent again)."""
