"""A kind's trade figures over any window that ends now, for the cost of a bisection.

Kept as each trade is recorded (a pure function of the kind's trades, rebuilt whole only when a hall
order is cancelled): prefix sums at every trade of the unit-priced trades' count, units and
Σ quantity × price, and for the highest and lowest price a monotonic stack whose every entry is the
extreme from its index to the end. A window from trade `start` on is then the difference of two
prefix sums and the first stack entry at or after `start`: publishing a kind's market data after a
batch never walks its history.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol


class Recorded(Protocol):
    ts: int
    quantity: int
    price: int

    @property
    def priced(self) -> bool: ...


class Span(NamedTuple):
    """The unit-priced trades from one trade on: how many, units, Σ quantity × price, highest, lowest price."""
    trades: int
    volume: int
    notional: int
    high: int | None
    low: int | None


@dataclass
class Figures:
    times: list[int] = field(default_factory=list)           # every trade's ts, in record order
    counts: list[int] = field(default_factory=lambda: [0])   # prefix sums: [i] covers the first i trades
    volumes: list[int] = field(default_factory=lambda: [0])
    notionals: list[int] = field(default_factory=lambda: [0])
    high_at: list[int] = field(default_factory=list)         # indices, rising; highs[j] is the highest price from high_at[j] on
    highs: list[int] = field(default_factory=list)
    low_at: list[int] = field(default_factory=list)
    lows: list[int] = field(default_factory=list)
    last: int | None = None                                  # the latest unit-priced trade's price

    @classmethod
    def of(cls, trades: Iterable[Recorded]) -> "Figures":
        figures = cls()
        for trade in trades:
            figures.add(trade)
        return figures

    def add(self, trade: Recorded) -> None:
        index = len(self.times)
        self.times.append(trade.ts)
        priced = trade.priced
        self.counts.append(self.counts[-1] + 1 if priced else self.counts[-1])
        self.volumes.append(self.volumes[-1] + trade.quantity if priced else self.volumes[-1])
        self.notionals.append(self.notionals[-1] + trade.quantity * trade.price if priced else self.notionals[-1])
        if priced:
            price = self.last = trade.price
            while self.highs and self.highs[-1] <= price:
                self.highs.pop()
                self.high_at.pop()
            while self.lows and self.lows[-1] >= price:
                self.lows.pop()
                self.low_at.pop()
            self.high_at.append(index)
            self.highs.append(price)
            self.low_at.append(index)
            self.lows.append(price)

    def since(self, start: int) -> Span:
        """The unit-priced trades from the `start`-th trade (0: all time) to the latest."""
        end = len(self.times)
        high, low = bisect_left(self.high_at, start), bisect_left(self.low_at, start)
        return Span(self.counts[end] - self.counts[start], self.volumes[end] - self.volumes[start],
                    self.notionals[end] - self.notionals[start], self.highs[high] if high < len(self.highs) else None,
                    self.lows[low] if low < len(self.lows) else None)
