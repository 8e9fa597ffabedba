"""The increment ladder: the one place that knows what the next bid after a given amount is.

A ladder is data: bands, each starting at an amount (minor units) with a cycle of steps.
The common saleroom ladder per decade D is
    D, 1.1D … 1.9D (+0.1D) | 2D, 2.2D … 2.8D (+0.2D) | 3D, 3.2D, 3.5D, 3.8D, 4D, 4.2D, 4.5D, 4.8D
    | 5D, 5.5D … 9.5D (+0.5D) | 10D …
so with D = 100: +10 to 190, +20 to 280, 300-320-350-380-400-420-450-480, +50 to 950, +100 to 1,900.
The rung after an amount is the smallest rung strictly above it ("back on the ladder" after an
off-ladder bid).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Band:
    start: int                    # minor units, inclusive; the band's first rung
    steps: tuple[int, ...]        # increments applied in turn from `start`, cycling

    def __post_init__(self) -> None:
        if self.start < 0 or not self.steps or any(type(s) is not int or s <= 0 for s in self.steps):
            raise ValueError(f"a band needs a start >= 0 and positive integer steps, got {self}")


@dataclass(frozen=True)
class Ladder:
    bands: tuple[Band, ...]
    _starts: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = [b.start for b in self.bands]
        if not starts or starts[0] != 0 or starts != sorted(set(starts)):
            raise ValueError("ladder bands must start at 0 and be strictly increasing")
        object.__setattr__(self, "_starts", starts)

    def band_index(self, amount: int) -> int:
        return bisect.bisect_right(self._starts, amount) - 1

    def next_rung(self, amount: int) -> int:
        """The smallest rung strictly above `amount`."""
        index = self.band_index(amount)
        band = self.bands[index]
        cycle = sum(band.steps)
        rung = band.start + (amount - band.start) // cycle * cycle
        for step in band.steps * 2:
            if rung > amount:
                break
            rung += step
        if index + 1 < len(self.bands):
            rung = min(rung, self.bands[index + 1].start)
        return rung


def saleroom_ladder(unit: int = 1, decades: int = 13) -> Ladder:
    """The common saleroom ladder; `unit` is minor units per whole currency unit.

    Below 10 whole units the step is one whole unit; decades run from 10 up to 10**decades.
    """
    bands = [Band(0, (unit,))]
    for power in range(1, decades + 1):
        d = 10**power * unit
        bands += [Band(d, (d // 10,)), Band(2 * d, (d // 5,)),
                  Band(3 * d, (d // 5, 3 * d // 10, 3 * d // 10, d // 5)), Band(5 * d, (d // 2,))]
    return Ladder(tuple(bands))


def ladder_from_rows(rows: list[tuple[int, list[int]]], unit: int) -> Ladder:
    """A house or per-lot ladder from config rows of (from, [steps]) in whole currency units."""
    return Ladder(tuple(Band(start * unit, tuple(step * unit for step in steps)) for start, steps in rows))
