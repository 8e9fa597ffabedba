"""From button edges and force samples to bids, press details and intent signals. Pure.

A press starts at the button's closing edge (debounced) and is decided at the `decide_samples`-th
force sample after it (or at release, or after `decide_timeout_ms` if the load cell is silent):
its tier comes from the highest filtered force from one sample before the edge to the decision.
Two samples by default (about 12.5-25 ms after the edge at 80 samples/s). A conversion reports the
force averaged over its window and the median-of-3 filter needs a sample to confirm a rise, so at
the second sample a fast press may still read half-risen: its tier can then come out LOWER than
meant (measured: 4 of 20 hard presses at 7 kg), never higher, because a rising force is only ever
underestimated and a single glitch cannot raise a median. The paddle shows the amount bid, and the
holder can press again. `decide_samples = 3` trades 12.5 ms for judging every press on its full
force (20 of 20). A press whose filtered force reaches the hard tier is decided at once.
    below firm_grams      -> tier 0: bid the asking price (a press with no force rise counts too)
    firm_grams and up     -> tier 1: one increment above asking
    hard_grams and up     -> tier 2: two increments above asking
When the button opens, the press detail (peak grams over the whole press, duration) follows.
Force above touch_grams with no button press is a light touch: an intent signal for the
auctioneer's screen, never a bid. Samples pass a median-of-3 filter, so one glitch never counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PressPolicy:
    debounce_ms: int = 25
    touch_grams: int = 150
    firm_grams: int = 2_500
    hard_grams: int = 5_000
    decide_samples: int = 2
    decide_timeout_ms: int = 100

    def tier(self, grams: int) -> int:
        return 2 if grams >= self.hard_grams else 1 if grams >= self.firm_grams else 0


@dataclass(frozen=True)
class PressDecided:
    """Send a bid now: `tier` increments above asking."""
    paddle: int
    tier: int
    grams: int
    pressed_us: int
    decided_us: int


@dataclass(frozen=True)
class PressReleased:
    paddle: int
    peak_grams: int
    duration_ms: int
    pressed_us: int


@dataclass(frozen=True)
class Touched:
    """A light touch without a press: the paddle holder is thinking about it."""
    paddle: int
    peak_grams: int
    at_us: int


@dataclass(frozen=True)
class ForceNow:
    """The filtered force, for the paddle's force bar."""
    paddle: int
    grams: int
    tier: int
    pressed: bool


Output = PressDecided | PressReleased | Touched | ForceNow


@dataclass
class MedianOf3:
    window: list[int] = field(default_factory=list)

    def push(self, value: int) -> int:
        """The median of the last three; of two, the lower (a glitch must never raise a bid)."""
        self.window = (self.window + [value])[-3:]
        return sorted(self.window)[(len(self.window) - 1) // 2]


@dataclass
class PaddleTracker:
    """One paddle's press state machine; times in microseconds of the pin factory's clock."""
    paddle: int
    policy: PressPolicy = PressPolicy()
    pressed: bool = False
    last_edge_us: int | None = None
    line_closed: bool = False         # the switch as last reported, bounces included
    line_us: int = 0
    settling: bool = False            # after a release, until the force has fallen
    pressed_us: int = 0
    decided: bool = False
    samples_since_press: int = 0
    window_peak: int = 0              # for the tier: from one sample before the edge
    press_peak: int = 0               # for the press detail: the whole press
    previous_grams: int = 0
    touch_peak: int = 0
    filter: MedianOf3 = field(default_factory=MedianOf3)

    def edge(self, closed: bool, t_us: int) -> list[Output]:
        """The first edge counts at once (no added latency); edges within `debounce_ms` of it are
        bounce, and once the lockout ends the line's actual level is taken (see `tick`)."""
        self.line_closed, self.line_us = closed, t_us
        if closed == self.pressed or self._locked(t_us):
            return []
        return self._switch(closed, t_us)

    def _locked(self, t_us: int) -> bool:
        return self.last_edge_us is not None and t_us - self.last_edge_us < self.policy.debounce_ms * 1000

    def _switch(self, closed: bool, t_us: int) -> list[Output]:
        self.last_edge_us = t_us
        self.pressed = closed
        if closed:
            self.pressed_us, self.decided, self.samples_since_press = t_us, False, 0
            self.window_peak = self.press_peak = self.previous_grams
            self.touch_peak = 0
            return self._decide(t_us) if self.policy.decide_samples == 0 else []
        self.settling = True
        out = [] if self.decided else self._decide(t_us)
        duration_ms = (t_us - self.pressed_us) // 1000
        return out + [PressReleased(self.paddle, self.press_peak, duration_ms, self.pressed_us)]

    def sample(self, raw_grams: int, t_us: int) -> list[Output]:
        grams = self.filter.push(raw_grams)
        self.previous_grams = grams
        out: list[Output] = []
        if self.pressed:
            self.window_peak = max(self.window_peak, grams) if not self.decided else self.window_peak
            self.press_peak = max(self.press_peak, grams)
            self.samples_since_press += t_us >= self.pressed_us   # one read before the edge, delivered after it, is not one after
            final = self.policy.tier(self.window_peak) == 2
            if not self.decided and (final or self.samples_since_press >= self.policy.decide_samples):
                out += self._decide(t_us)
        elif self.settling:
            self.settling = grams >= self.policy.touch_grams // 2
        elif grams >= self.policy.touch_grams:
            self.touch_peak = max(self.touch_peak, grams)
        elif self.touch_peak and grams < self.policy.touch_grams // 2:
            out.append(Touched(self.paddle, self.touch_peak, t_us))
            self.touch_peak = 0
        return out + [ForceNow(self.paddle, grams, self.policy.tier(grams), self.pressed)]

    def tick(self, t_us: int) -> list[Output]:
        """Take the line's level once a bounce lockout is over (so a short tap is never lost), and
        decide a press whose load cell has gone quiet (a broken sensor must not swallow a bid)."""
        if self.line_closed != self.pressed and not self._locked(t_us):
            return self._switch(self.line_closed, self.line_us)
        if self.pressed and not self.decided and t_us - self.pressed_us >= self.policy.decide_timeout_ms * 1000:
            return self._decide(t_us)
        return []

    def _decide(self, t_us: int) -> list[Output]:
        self.decided = True
        return [PressDecided(self.paddle, self.policy.tier(self.window_peak), self.window_peak, self.pressed_us, t_us)]
