"""The market data's state, and `apply`: it observes the exchange's, custody's and the ledger's events
(and the hall's, inside their sale wrapper) right after their owners apply them, in the same batch.

Every trade is recorded with the kernel's ts of its batch: fills and clock stops carry theirs; an issue's
allocation and a clock's withdrawal take the ts of the ledger transfers their batch recorded just before.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import singledispatch
from itertools import islice
from typing import Any

from cloud.core import events as auction_ev
from cloud.custody import events as custody_ev
from cloud.kernel.domain import House
from cloud.ledger import events as ledger_ev
from cloud.ledger.accounts import parse
from cloud.marketdata.figures import Figures
from cloud.market import events as market_ev
from cloud.marketdata.valuation import Assessed, ValuationRules, between, from_trades, house_estimate
from shared.backoffice import STAMP_GRADES, KindSpec

NAME = "marketdata"
SALE_OUTCOMES = frozenset((auction_ev.LotHammered, auction_ev.OrderCreated, auction_ev.LotPassed, auction_ev.OrderCancelled))


@dataclass(frozen=True)
class TradeRecord:
    number: int                   # its place among every trade recorded (1, 2, ...): the tie-breaker after ts
    ts: int
    channel: str                  # exchange | clock | issue | hall
    quantity: int
    price: int                    # per unit; a group lot: the whole lot's hammer price (never divided)
    group: bool = False           # several units sold for one price: on the record, out of the figures
    premium: int = 0              # hall: the buyer's premium, kept apart from the price
    reference: str = ""           # the clock, issue or sale/lot it came from
    cancelled: str = ""           # hall: the order was cancelled (lot reopened, buyer in default): out of the figures

    @property
    def priced(self) -> bool:
        """A completed sale at a unit price: what the figures and the valuation count."""
        return not self.group and not self.cancelled


@dataclass(frozen=True)
class Unsold:
    """An offer that found no buyer: a clock's rest withdrawn at its floor, a hall lot passed."""
    ts: int
    channel: str
    quantity: int
    reason: str
    reference: str


@dataclass(frozen=True)
class ValueAt:
    ts: int
    number: int                   # the trade that caused it (0: a catalog or house-estimate change)
    assessed: Assessed


@dataclass
class KindMarket:
    trades: list[TradeRecord] = field(default_factory=list)
    figures: Figures = field(default_factory=Figures)         # the unit-priced trades' counts, sums and extremes
    unsold: list[Unsold] = field(default_factory=list)
    value: Assessed = field(default_factory=lambda: house_estimate(None))
    history: list[ValueAt] = field(default_factory=list)
    holders: dict[str, None] = field(default_factory=dict)    # users who have had a units account of it


@dataclass
class MarketDataState:
    rules: ValuationRules = field(default_factory=ValuationRules)
    kinds: dict[str, KindMarket] = field(default_factory=dict)
    grades: dict[str, tuple[str, int]] = field(default_factory=dict)     # kind -> (its series, grade rank)
    series: dict[str, dict[str, int]] = field(default_factory=dict)      # series -> kind -> grade rank
    estimates: dict[str, int] = field(default_factory=dict)              # the house's estimate per kind
    clocks: dict[str, tuple[str, int]] = field(default_factory=dict)     # clock -> (kind, units left)
    issues: dict[str, tuple[str, int]] = field(default_factory=dict)     # issue -> (kind, issue price)
    items: dict[str, tuple[str, int]] = field(default_factory=dict)      # custody item -> (kind, units)
    lots: dict[str, str] = field(default_factory=dict)                   # "sale/lot" -> the catalog item it sells
    hammered: dict[str, int] = field(default_factory=dict)               # "sale/lot" -> its hammer's ts (until its order)
    hall_orders: dict[str, tuple[str, int]] = field(default_factory=dict)   # hall order -> (kind, its trade's number)
    now: int = 0                  # the newest ts observed
    recorded: int = 0

    def kind(self, kind: str) -> KindMarket:
        market = self.kinds.get(kind)
        if market is None:
            market = self.kinds[kind] = KindMarket(value=house_estimate(self.estimates.get(kind)))
        return market


def series_of(spec: KindSpec) -> str:
    """Kinds of one catalogue type and issue that differ only by grade."""
    return "|".join((spec.category, spec.issuer, spec.name, str(spec.issue_year), spec.denomination, spec.grade.scale))


def grade_rank(spec: KindSpec) -> int:
    """A grade as a number that orders it: Sheldon's 1-70, the stamp scale's place from the worst (P = 1)."""
    if spec.grade.scale == "stamp":
        return len(STAMP_GRADES) - STAMP_GRADES.index(spec.grade.value)
    return int("".join(c for c in spec.grade.value if c.isdigit()))


def valuation(house: House, kind: str) -> int | None:
    """The kind's current value, for the exchange's price band (None: no value, or no market data in this house)."""
    state: MarketDataState | None = house.states.get(NAME)
    market = state.kinds.get(kind) if state is not None else None
    return market.value.value if market is not None else None


# ---- recording and re-valuing -----------------------------------------------------------------

def record(state: MarketDataState, kind: str, trade: TradeRecord) -> None:
    market = state.kind(kind)
    market.trades.append(trade)
    market.figures.add(trade)
    revalue(state, kind, trade.ts, trade.number, always=True)


def cancel(state: MarketDataState, kind: str, number: int, reason: str) -> None:
    """A hall sale undone after its hammer: kept on the record as cancelled, the figures counted again without it."""
    market = state.kind(kind)
    market.trades = [replace(t, cancelled=reason) if t.number == number else t for t in market.trades]
    market.figures = Figures.of(market.trades)
    revalue(state, kind, state.now, 0, always=True)


def next_number(state: MarketDataState) -> int:
    state.recorded += 1
    return state.recorded


def revalue(state: MarketDataState, kind: str, ts: int, number: int, always: bool = False) -> None:
    """The kind's value again, and its series' estimates (they lean on it); history kept on change
    (and after every trade of the kind itself, so each trade has its line)."""
    _assess(state, kind, ts, number, always)
    found = state.grades.get(kind)
    for peer in state.series.get(found[0], {}) if found else ():
        if peer != kind and state.kind(peer).value.source != "trades":
            _assess(state, peer, ts, number, False)


def _assess(state: MarketDataState, kind: str, ts: int, number: int, always: bool) -> None:
    market = state.kind(kind)
    assessed = own_value(state, market, ts) or interpolated(state, kind) or house_estimate(state.estimates.get(kind))
    if always or assessed != market.value:
        market.value = assessed
        market.history.append(ValueAt(ts, number, assessed))


def own_value(state: MarketDataState, market: KindMarket, ts: int) -> Assessed | None:
    """From the window's worth of the latest unit-priced trades (read from the end: the cost stays flat)."""
    latest = list(islice((t for t in reversed(market.trades) if t.priced), state.rules.window))
    latest.reverse()
    return from_trades(latest, ts, state.rules)


def interpolated(state: MarketDataState, kind: str) -> Assessed | None:
    """Between the nearest lower and higher grades of its series that are valued from their own trades."""
    found = state.grades.get(kind)
    if found is None:
        return None
    series, rank = found
    valued = sorted((r, k) for k, r in state.series[series].items()
                    if k != kind and (m := state.kinds.get(k)) is not None and m.value.source == "trades")
    lower = [(r, state.kinds[k].value) for r, k in valued if r < rank]
    upper = [(r, state.kinds[k].value) for r, k in valued if r > rank]
    return between(rank, lower[-1], upper[0]) if lower and upper else None


# ---- apply ------------------------------------------------------------------------------------

@singledispatch
def apply(event: Any, state: MarketDataState) -> None:
    raise TypeError(f"the market data does not observe {type(event).__name__}")


@apply.register
def _(e: custody_ev.KindDefined, s: MarketDataState) -> None:
    series, rank = series_of(e.spec), grade_rank(e.spec)
    s.grades[e.spec.kind] = (series, rank)
    s.series.setdefault(series, {})[e.spec.kind] = rank
    _assess(s, e.spec.kind, s.now, 0, False)


@apply.register
def _(e: ledger_ev.TransferRecorded, s: MarketDataState) -> None:
    transfer = e.transfer
    s.now = max(s.now, transfer.ts)
    if transfer.ledger.startswith("units:"):
        kind = transfer.ledger.removeprefix("units:")
        for name in (transfer.debit, transfer.credit):
            user = parse(name).user
            if user is not None:
                s.kind(kind).holders[user] = None


@apply.register
def _(e: market_ev.ReferenceSet, s: MarketDataState) -> None:
    s.estimates[e.kind] = e.price
    _assess(s, e.kind, s.now, 0, False)


@apply.register
def _(e: market_ev.Traded, s: MarketDataState) -> None:
    s.now = max(s.now, e.ts)
    record(s, e.kind, TradeRecord(next_number(s), e.ts, "exchange", e.quantity, e.price))


@apply.register
def _(e: market_ev.ClockListed, s: MarketDataState) -> None:
    s.clocks[e.clock_id] = (e.kind, e.quantity)


@apply.register
def _(e: market_ev.ClockBought, s: MarketDataState) -> None:
    s.now = max(s.now, e.ts)
    kind, left = s.clocks[e.clock_id]
    s.clocks[e.clock_id] = (kind, left - e.quantity)
    record(s, kind, TradeRecord(next_number(s), e.ts, "clock", e.quantity, e.price, reference=e.clock_id))


@apply.register
def _(e: market_ev.ClockWithdrawn, s: MarketDataState) -> None:
    kind, left = s.clocks[e.clock_id]
    if left:
        s.kind(kind).unsold.append(Unsold(s.now, "clock", left, "withdrawn at the floor", e.clock_id))


@apply.register
def _(e: market_ev.IssueOpened, s: MarketDataState) -> None:
    s.issues[e.issue.issue_id] = (e.issue.kind, e.issue.price)


@apply.register
def _(e: market_ev.IssueAllocated, s: MarketDataState) -> None:
    kind, price = s.issues[e.issue_id]
    units = sum(e.allocations)
    if units:
        record(s, kind, TradeRecord(next_number(s), s.now, "issue", units, price, reference=e.issue_id))


@apply.register
def _(e: custody_ev.ItemDeposited, s: MarketDataState) -> None:
    s.items[e.item.item] = (e.item.kind, e.item.quantity)


@apply.register
def _(e: auction_ev.SaleStarted, s: MarketDataState) -> None:
    s.lots.update({f"{e.spec.sale}/{lot.lot}": lot.item for lot in e.spec.lots if lot.item is not None})


def hall_lot(s: MarketDataState, sale: str, event: Any) -> tuple[str, str, int] | None:
    """("sale/lot", kind, units) of the catalog item a hall event's lot sells (None: not a catalog lot)."""
    lot = event.order.lot if isinstance(event, auction_ev.OrderCreated) else getattr(event, "lot", None)
    where = f"{sale}/{lot}"
    sold = s.items.get(s.lots.get(where, "")) if lot is not None else None
    return (where, *sold) if sold is not None else None


@apply.register
def _(e: auction_ev.InSale, s: MarketDataState) -> None:
    """A hall lot of a catalog item: its hammer price (premium apart) is a trade of the item's kind, at the
    hammer's ts; a lot of several units is a group lot (never divided); a passed lot is an offer unsold; a
    cancelled order (the lot reopened, the buyer in default) leaves its trade on the record, out of the figures."""
    inner = e.event
    if isinstance(inner, auction_ev.OrderCancelled):
        if inner.order_id in s.hall_orders:
            cancel(s, *s.hall_orders[inner.order_id], inner.reason)
        return
    sold = hall_lot(s, e.sale, inner)
    if sold is None:
        return
    where, kind, units = sold
    if isinstance(inner, auction_ev.LotHammered):
        s.now = max(s.now, inner.ts)
        s.hammered[where] = inner.ts
    elif isinstance(inner, auction_ev.OrderCreated):
        order = inner.order
        number = next_number(s)
        s.hall_orders[order.order_id] = (kind, number)
        hammered = s.hammered.pop(where, s.now)
        record(s, kind, TradeRecord(number, hammered, "hall", units, order.hammer, units > 1, order.premium, where))
    elif isinstance(inner, auction_ev.LotPassed):
        s.kind(kind).unsold.append(Unsold(s.now, "hall", units, inner.reason, where))
