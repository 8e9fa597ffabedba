"""The kind's market message, built from the read model at a batch's ts (windows end there) and the
ledger (owners are the users holding units of the kind now)."""
from __future__ import annotations

import bisect

from cloud.kernel.domain import House
from cloud.ledger.accounts import user_units
from cloud.marketdata.state import KindMarket, MarketDataState, TradeRecord, ValueAt
from cloud.marketdata.valuation import DAY_MS, Assessed, divide_half_up
from shared import marketdata as wire

WINDOWS = (("24h", DAY_MS), ("7d", 7 * DAY_MS), ("30d", 30 * DAY_MS))
SHOWN = 200                       # the latest trades and values a page receives (reports read the journal)


def window(name: str, ms: int, trades: list[TradeRecord]) -> wire.Window:
    priced = [t for t in trades if t.priced]
    if not priced:
        return wire.Window(name, ms, 0, 0)
    volume = sum(t.quantity for t in priced)
    average = divide_half_up(sum(t.quantity * t.price for t in priced), volume)
    return wire.Window(name, ms, len(priced), volume, max(t.price for t in priced), min(t.price for t in priced), average)


def windows(market: KindMarket, ts: int) -> tuple[wire.Window, ...]:
    """All time from the running totals; each window from the trades after its start (trades are in ts order)."""
    average = divide_half_up(market.notional, market.volume) if market.volume else None
    out = [wire.Window("all", 0, market.count, market.volume, market.high, market.low, average)]
    times = [t.ts for t in market.trades]
    for name, ms in WINDOWS:
        out.append(window(name, ms, market.trades[bisect.bisect_right(times, ts - ms):]))
    return tuple(out)


def owners(house: House, state: MarketDataState, kind: str) -> list[str]:
    ledger = house["ledger"]
    market = state.kinds.get(kind)
    return [u for u in (market.holders if market else ()) if ledger.account(user_units(u, kind)).balance > 0]


def value_point(at: int, assessed: Assessed) -> wire.ValuePoint:
    return wire.ValuePoint(at, assessed.value, assessed.source, assessed.confidence, assessed.trades, assessed.excluded)


def kind_market(house: House, state: MarketDataState, kind: str, currency: str, show_owners: bool, seq: int,
                ts: int) -> wire.KindMarket:
    market = state.kind(kind) if kind in state.kinds else KindMarket()
    holding = owners(house, state, kind)
    handles = tuple(house["identity"].accounts[u].handle for u in holding if u in house["identity"].accounts) if show_owners else ()
    history: list[ValueAt] = market.history[-SHOWN:]
    return wire.KindMarket(
        kind, currency, house["custody"].kinds.get(kind), ts, market.last, windows(market, ts), value_point(ts, market.value),
        len(holding), handles,
        tuple(wire.TapePoint(t.ts, t.channel, t.quantity, t.price, t.group, t.cancelled) for t in market.trades[-SHOWN:]),
        tuple(value_point(v.ts, v.assessed) for v in history),
        tuple(wire.UnsoldPoint(u.ts, u.channel, u.quantity, u.reason) for u in market.unsold[-SHOWN:]), seq)
