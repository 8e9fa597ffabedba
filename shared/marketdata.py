"""The per-kind market data the arbiter publishes (retained on `arbiter/kind/{kind}/market`): the
trade record's figures, over all time and over windows, the owners, offers that found no buyer, and
the valuation with its history. Integers only (minor units, units, ms). Importing registers the type.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shared import messages
from shared.backoffice import KindSpec
from shared.messages import Message


@dataclass(frozen=True)
class Window:
    """Unit-priced trades (group lots aside) in the last `ms` before `at_ms` (ms 0: all time)."""
    name: str                     # all | 24h | 7d | 30d
    ms: int
    trades: int
    volume: int
    high: int | None = None
    low: int | None = None
    average: int | None = None    # Σ quantity × price / Σ quantity, rounded half up


@dataclass(frozen=True)
class TapePoint:
    at_ms: int
    channel: str                  # exchange | clock | issue | hall
    quantity: int
    price: int                    # per unit; a group lot: the lot's price
    group: bool = False
    cancelled: str = ""           # a hall order cancelled after the hammer: why (out of the figures)


@dataclass(frozen=True)
class ValuePoint:
    at_ms: int
    value: int | None
    source: str                   # trades | estimate | house | none
    confidence: str               # high | medium | low | estimate | house | none
    trades: int                   # the clean trades it rests on
    excluded: int                 # trades of the window left out as outliers


@dataclass(frozen=True)
class UnsoldPoint:
    at_ms: int
    channel: str
    quantity: int
    reason: str


@dataclass(frozen=True)
class KindMarket(Message):
    TYPE: ClassVar[str] = "kind_market"
    kind: str
    currency: str
    spec: KindSpec | None         # the catalog's fields (the page browses the catalog from these messages)
    at_ms: int                    # the windows end here (the batch's ts)
    last: int | None
    windows: tuple[Window, ...]   # all time first
    value: ValuePoint
    owners: int
    owner_handles: tuple[str, ...]    # empty unless the house shows owners
    tape: tuple[TapePoint, ...]       # the latest trades, oldest first
    history: tuple[ValuePoint, ...]   # the latest values, oldest first
    unsold: tuple[UnsoldPoint, ...]
    seq: int


messages.TYPES.update({KindMarket.TYPE: KindMarket})
