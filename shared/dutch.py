"""The Dutch (descending) clock: the one formula the arbiter judges by and every screen shows."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.messages import LotState

CLOCK_RUNS = ("open", "fair_warning")      # a Dutch clock falls only while its lot takes bids


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


def price_now(lot: LotState, arbiter_ms: int) -> int | None:
    """What a bid names now: a running Dutch clock's price at `arbiter_ms` (the arbiter's clock, as a
    client estimates it: the lot state's `at_ms` plus the time since it arrived), else the asking
    price. The lot state's own `asking` is the clock's price when it was published, long stale."""
    if lot.dutch is not None and lot.status in CLOCK_RUNS:
        return lot.dutch.price_at(arbiter_ms)
    return lot.asking


def arbiter_now_ms(at_ms: int | None, since_arrival_ms: int, wall_ms: int) -> int:
    """The arbiter's clock as a client estimates it from a lot state: its `at_ms` plus the time since
    it arrived, but a retained state may have waited on the broker for any time before it arrived,
    so the client's own (NTP) wall clock bounds the estimate from below. A wall clock running ahead
    names a price a little under the clock's: the arbiter refuses it with the clock's price, it never
    overcharges."""
    return wall_ms if at_ms is None else max(at_ms + since_arrival_ms, wall_ms)
