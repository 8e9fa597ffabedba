"""The press discount: a firm, deliberate winning press earns the buyer a small, capped discount.

Policy (all integers, basis points of the hammer price, rounded down):
- Only a hall bid with press detail can earn anything; online and floor bids earn 0.
- A press outside the sensor's plausible range (grams or milliseconds) earns 0: a glitch,
  a stuck button or a person leaning on the paddle is not a deliberate bid.
- Force earns up to `force_bp`, rising linearly from `force_from_grams` to `force_full_grams`.
- Duration earns up to `hold_bp`, rising linearly from `hold_from_ms` to `hold_full_ms`.
- The sum is capped at `cap_bp`, and the discount at `cap_minor` (0 = no absolute cap).
"""
from __future__ import annotations

from dataclasses import dataclass

from shared.money import basis_points


@dataclass(frozen=True)
class DiscountPolicy:
    plausible_grams: tuple[int, int] = (20, 20_000)
    plausible_ms: tuple[int, int] = (30, 10_000)
    force_from_grams: int = 1_500
    force_full_grams: int = 6_000
    force_bp: int = 100
    hold_from_ms: int = 300
    hold_full_ms: int = 2_000
    hold_bp: int = 100
    cap_bp: int = 150
    cap_minor: int = 0

    def earned_bp(self, peak_grams: int, duration_ms: int) -> int:
        if not (self.plausible_grams[0] <= peak_grams <= self.plausible_grams[1]
                and self.plausible_ms[0] <= duration_ms <= self.plausible_ms[1]):
            return 0
        force = _ramp(peak_grams, self.force_from_grams, self.force_full_grams, self.force_bp)
        hold = _ramp(duration_ms, self.hold_from_ms, self.hold_full_ms, self.hold_bp)
        return min(self.cap_bp, force + hold)

    def discount(self, hammer_minor: int, peak_grams: int, duration_ms: int) -> int:
        earned = basis_points(hammer_minor, self.earned_bp(peak_grams, duration_ms))
        return min(earned, self.cap_minor) if self.cap_minor else earned


def _ramp(value: int, start: int, full: int, points: int) -> int:
    if value <= start:
        return 0
    if value >= full:
        return points
    return points * (value - start) // (full - start)
