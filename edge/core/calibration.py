"""Load cell calibration: tare and a known weight turn raw counts into grams. Pure, integers only."""
from __future__ import annotations

from dataclasses import dataclass

FULL_SCALE = 2**23


class CalibrationError(ValueError):
    """The readings cannot calibrate: the message says what the operator should do."""


@dataclass(frozen=True)
class Calibration:
    offset: int = 0                   # raw counts with nothing on the paddle
    counts_per_kg: int = 100_000      # raw counts per 1,000 g (integer, so grams need no float)

    def grams(self, raw: int) -> int:
        return (raw - self.offset) * 1000 // self.counts_per_kg


def steady(readings: list[int], max_spread: int, what: str) -> int:
    """The median of the readings, if at least 60 % of them sit within `max_spread` of it (isolated
    glitch samples are tolerated; a paddle that moves drifts most readings and is refused)."""
    if len(readings) < 5:
        raise CalibrationError(f"{what}: only {len(readings)} good readings; check the load cell wiring")
    if sum(abs(r) >= FULL_SCALE - 1 for r in readings) * 5 > len(readings):
        raise CalibrationError(f"{what}: the reading is saturated; the load is beyond the cell or a wire is loose")
    middle = sorted(readings)[len(readings) // 2]
    agreeing = sorted(r for r in readings if abs(r - middle) <= max_spread // 2)
    if len(agreeing) * 5 < len(readings) * 3:
        spread = max(readings) - min(readings)
        raise CalibrationError(f"{what}: readings moved by {spread} counts (limit {max_spread}); keep the paddle still and retry")
    return agreeing[len(agreeing) // 2]


def fit(tare: list[int], loaded: list[int], known_grams: int, max_spread: int = 2_000) -> Calibration:
    offset = steady(tare, max_spread, "tare")
    with_weight = steady(loaded, max_spread, f"with {known_grams} g")
    counts_per_kg = (with_weight - offset) * 1000 // known_grams
    if abs(counts_per_kg) < 100:
        raise CalibrationError(f"the {known_grams} g weight barely changed the reading; is it on the paddle?")
    return Calibration(offset, counts_per_kg)
