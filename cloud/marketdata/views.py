"""The kind's market message, built from the read model at a batch's ts (windows end there) and the
ledger (owners are the users holding units of the kind now)."""
from __future__ import annotations

import bisect

from cloud.kernel.domain import House
from cloud.kernel.tail import Tail
from cloud.ledger.accounts import user_units
from cloud.marketdata.figures import Span
from cloud.marketdata.state import KindMarket, MarketDataState, TradeRecord, Unsold, ValueAt
from cloud.marketdata.valuation import DAY_MS, Assessed, divide_half_up
from shared import marketdata as wire

WINDOWS = (("24h", DAY_MS), ("7d", 7 * DAY_MS), ("30d", 30 * DAY_MS))
SHOWN = 200                       # the latest trades and values a page receives (reports read the journal)


def window(name: str, ms: int, span: Span) -> wire.Window:
    if not span.trades:
        return wire.Window(name, ms, 0, 0)
    average = divide_half_up(span.notional, span.volume) if span.volume else None
    return wire.Window(name, ms, span.trades, span.volume, span.high, span.low, average)


def windows(market: KindMarket, ts: int) -> tuple[wire.Window, ...]:
    """All time, then each window from the first trade after its start (trades are in ts order)."""
    figures = market.figures
    return (window("all", 0, figures.since(0)),
            *(window(name, ms, figures.since(bisect.bisect_right(figures.times, ts - ms))) for name, ms in WINDOWS))


def owners(house: House, state: MarketDataState, kind: str) -> list[str]:
    ledger = house["ledger"]
    market = state.kinds.get(kind)
    return [u for u in (market.holders if market else ()) if ledger.account(user_units(u, kind)).balance > 0]


def value_point(at: int, assessed: Assessed) -> wire.ValuePoint:
    return wire.ValuePoint(at, assessed.value, assessed.source, assessed.confidence, assessed.trades, assessed.excluded)


def tape_point(t: TradeRecord) -> wire.TapePoint:
    return wire.TapePoint(t.ts, t.channel, t.quantity, t.price, t.group, t.cancelled)


def history_point(v: ValueAt) -> wire.ValuePoint:
    return value_point(v.ts, v.assessed)


def unsold_point(u: Unsold) -> wire.UnsoldPoint:
    return wire.UnsoldPoint(u.ts, u.channel, u.quantity, u.reason)


class Shown:
    """One kind's tails: its tape, its values' history, its offers unsold."""

    def __init__(self) -> None:
        self.tape, self.history, self.unsold = Tail(tape_point, SHOWN), Tail(history_point, SHOWN), Tail(unsold_point, SHOWN)

    def known(self) -> dict[str, str]:
        """The tails' JSON as `messages.encode` takes it (call after `kind_market`, which brings them up to date)."""
        return {"tape": self.tape.json(), "history": self.history.json(), "unsold": self.unsold.json()}


def kind_market(house: House, state: MarketDataState, kind: str, currency: str, show_owners: bool, seq: int,
                ts: int, shown: Shown | None = None) -> wire.KindMarket:
    market = state.kind(kind) if kind in state.kinds else KindMarket()
    shown = shown or Shown()
    holding = owners(house, state, kind)
    handles = tuple(house["identity"].accounts[u].handle for u in holding if u in house["identity"].accounts) if show_owners else ()
    return wire.KindMarket(
        kind, currency, house["custody"].kinds.get(kind), ts, market.figures.last, windows(market, ts), value_point(ts, market.value),
        len(holding), handles, shown.tape(market.trades), shown.history(market.history), shown.unsold(market.unsold), seq)

