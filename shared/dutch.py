"""The Dutch (descending) clock: the one formula the arbiter judges by and every screen shows."""
from __future__ import annotations


def clock_price(top: int, floor: int, duration_ms: int, schedule: str, step_ms: int, elapsed_ms: int) -> int:
    """The price `elapsed_ms` after the clock started; never below the floor.

    `steps`: equal drops every `step_ms`; `linear`: a continuous fall (rounded down to a minor unit).
    """
    elapsed = max(0, min(elapsed_ms, duration_ms))
    if schedule == "steps":
        steps = max(1, duration_ms // step_ms)
        done = min(steps, elapsed // step_ms)
        return top - (top - floor) * done // steps
    return top - (top - floor) * elapsed // duration_ms
