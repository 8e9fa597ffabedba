"""The valuation: what a kind is worth from its own trades, published so anyone can recompute it.

Integers only. For a kind re-valued at time `now` (the kernel's ts of the trade that touched it):
1. The window: its `window` most recent trades, group lots (one hammer price for several units) left out.
2. The band: m = the lower median of their unit prices (sorted[(n - 1) // 2]); a trade is clean when
   m × 100 / band_percent <= price <= m × band_percent / 100 (band_percent 300: within a factor of 3).
3. The weight of a clean trade of age a = now - ts: halved every `half_life_ms`, linear within a
   half-life, in fixed point SCALE = 65,536: w = (SCALE >> a // H) × (2H - a % H) // (2H), at least 1.
4. value = Σ w·q·p / Σ w·q (q the quantity, p the unit price), rounded half up.
5. confidence by the number of clean trades it rests on: >= 10 high, >= 4 medium, else low.
A kind without clean trades of its own takes the straight line between the nearest lower and higher
grades of its series that have them ("estimate"), else the house's estimate ("house"), else none.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

SCALE = 1 << 16
DAY_MS = 86_400_000


@dataclass(frozen=True)
class ValuationRules:
    half_life_ms: int = 30 * DAY_MS
    band_percent: int = 300
    window: int = 50
    high_at: int = 10             # clean trades for "high" confidence
    medium_at: int = 4


class Trade(Protocol):
    """A trade as the formula sees it: when, how many units, at what unit price (a recorded trade is one)."""
    @property
    def ts(self) -> int: ...
    @property
    def quantity(self) -> int: ...
    @property
    def price(self) -> int: ...


@dataclass(frozen=True)
class Priced:
    """A trade given by its three figures alone."""
    ts: int
    quantity: int
    price: int


@dataclass(frozen=True)
class Assessed:
    value: int | None
    source: str                   # trades | estimate | house | none
    confidence: str               # high | medium | low | estimate | house | none
    trades: int                   # the clean trades it rests on (an estimate: both neighbours' together)
    excluded: int                 # trades of the window outside the band


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


@functools.lru_cache(maxsize=4096)      # a batch's trades share their ts: re-valuing after each one meets the same ages
def weight(age_ms: int, half_life_ms: int) -> int:
    halvings, within = divmod(max(age_ms, 0), half_life_ms)
    return max(1, (SCALE >> halvings) * (2 * half_life_ms - within) // (2 * half_life_ms))


def in_band(price: int, median: int, band_percent: int) -> bool:
    return median * 100 <= price * band_percent and price * 100 <= median * band_percent


def from_trades(trades: Sequence[Trade], now: int, rules: ValuationRules) -> Assessed | None:
    """The value of a kind from its own trades (the window's, in time order), or None without any."""
    window = trades[-rules.window:]
    if not window:
        return None
    median = sorted(t.price for t in window)[(len(window) - 1) // 2]
    clean = [t for t in window if in_band(t.price, median, rules.band_percent)]
    weights = [weight(now - t.ts, rules.half_life_ms) * t.quantity for t in clean]
    value = divide_half_up(sum(w * t.price for w, t in zip(weights, clean)), sum(weights))
    return Assessed(value, "trades", confidence(len(clean), rules), len(clean), len(window) - len(clean))


def confidence(clean: int, rules: ValuationRules) -> str:
    return "high" if clean >= rules.high_at else "medium" if clean >= rules.medium_at else "low"


def between(grade: int, lower: tuple[int, Assessed], upper: tuple[int, Assessed]) -> Assessed:
    """The straight line between two graded neighbours' values, rounded half up."""
    (g0, a0), (g1, a1) = lower, upper
    assert a0.value is not None and a1.value is not None and g0 < grade < g1
    span = g1 - g0
    scaled = a0.value * (g1 - grade) + a1.value * (grade - g0)
    return Assessed(divide_half_up(scaled, span), "estimate", "estimate", a0.trades + a1.trades, 0)


def house_estimate(price: int | None) -> Assessed:
    if price is None:
        return Assessed(None, "none", "none", 0, 0)
    return Assessed(price, "house", "house", 0, 0)
