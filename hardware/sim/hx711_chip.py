"""A simulated HX711 that speaks the real serial protocol on two gpiozero MockFactory pins.

What it models (datasheet behaviour):
- DOUT goes low when a conversion is ready, at 10 or 80 samples per second;
- each PD_SCK rising edge shifts the next of 24 bits out on DOUT, MSB first, two's complement;
- 25, 26 or 27 pulses in all select channel A gain 128, channel B gain 32, or channel A gain 64
  for the *next* conversion;
- PD_SCK held high for more than 60 us powers the chip down (DOUT high); bringing it low again
  resets it: gain back to A/128, output settling 400 ms at 10 SPS or 50 ms at 80 SPS;
- the bridge: offset + counts per gram x force, Gaussian noise, and occasional glitch samples.
Edges are timed with the real monotonic clock, so a driver that holds the clock high too long
(a sleeping delay, a pre-empted thread) really does power it down, as on the bench.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable

from gpiozero.pins.mock import MockPin

POWER_DOWN_S = 60e-6
PULSES_TO_GAIN = {25: ("A", 128), 26: ("B", 32), 27: ("A", 64)}
FULL_SCALE = 2**23


class SimHX711:
    def __init__(self, *, rate_sps: int = 80, counts_per_gram: float = 100.0, offset: int = -50_000,
                 noise_counts: float = 20.0, glitch_rate: float = 0.0, seed: int = 0,
                 force: Callable[[float], float] = lambda t: 0.0, channel_b: Callable[[float], int] = lambda t: 0,
                 clock: Callable[[], float] = time.monotonic):
        if rate_sps not in (10, 80):
            raise ValueError("an HX711 runs at 10 or 80 samples per second")
        self.period = 1.0 / rate_sps
        self.settle = 0.4 if rate_sps == 10 else 0.05
        self.counts_per_gram, self.offset, self.noise, self.glitch_rate = counts_per_gram, offset, noise_counts, glitch_rate
        self.force, self.channel_b, self.clock = force, channel_b, clock
        self.random = random.Random(seed)
        self.pulses = 25                       # selection for the next conversion
        self.powered = True
        self.epoch = clock() + self.settle     # first conversion completes here
        self.read_index = -1                   # last conversion shifted out
        self.bits: int | None = None           # the 24-bit word being shifted
        self.prepared: tuple[int, int] | None = None   # (index, word) of the conversion DOUT announces
        self.shifted = 0                       # rising edges in the current read
        self.sck_high_at: float | None = None
        self.power_downs = 0
        self.conversions_read = 0

    # ---- wiring -------------------------------------------------------------------------------
    def attach(self, factory: object, dout: int | str, sck: int | str) -> None:
        """Create the chip's two pins on a MockFactory (the driver then asks the factory for them)."""
        factory.pin(dout, pin_class=_DoutPin, chip=self)  # type: ignore[attr-defined]
        factory.pin(sck, pin_class=_SckPin, chip=self)    # type: ignore[attr-defined]

    # ---- protocol -----------------------------------------------------------------------------
    def _latest(self, now: float) -> int:
        return int((now - self.epoch) // self.period) if now >= self.epoch else -1

    def _check_power(self, now: float) -> None:
        if self.powered and self.sck_high_at is not None and now - self.sck_high_at > POWER_DOWN_S:
            self.powered = False
            self.power_downs += 1
            self.bits = None

    def dout(self) -> bool:
        now = self.clock()
        self._check_power(now)
        if not self.powered:
            return True
        if self.bits is not None and 1 <= self.shifted <= 24:
            return bool((self.bits >> (24 - self.shifted)) & 1)
        latest = self._latest(now)
        if latest <= self.read_index:
            return True
        if self.prepared is None or self.prepared[0] != latest:   # as the chip: the word is ready before
            self.prepared = (latest, self._conversion(latest) & 0xFFFFFF)   # the first clock, not made by it
        return False                                   # low = a new conversion is ready

    def sck(self, high: bool) -> None:
        now = self.clock()
        if high:
            self._rising(now)
            self.sck_high_at = self.clock()     # the simulator's own work is not time on the wire
            return
        self._check_power(now)
        self.sck_high_at = None
        if not self.powered:                           # low after a power-down: reset and wake
            self.powered, self.pulses, self.bits, self.shifted = True, 25, None, 0
            self.epoch, self.read_index = now + self.settle, -1
            return
        if self.bits is not None and self.shifted >= 25:
            self.conversions_read += self.shifted == 25
            self.pulses, self.prepared = self.shifted, None     # the next conversion's gain has changed

    def _rising(self, now: float) -> None:
        if not self.powered:
            return
        if self.bits is not None and self.shifted < 24:
            self.shifted += 1                          # shifting the data word out
        elif self._latest(now) > self.read_index:      # DOUT was low: a new read begins
            self.read_index = self._latest(now)
            ready = self.prepared if self.prepared and self.prepared[0] == self.read_index else None
            self.bits = ready[1] if ready else self._conversion(self.read_index) & 0xFFFFFF
            self.shifted = 1
        elif self.bits is not None and self.shifted < 27:
            self.shifted += 1                          # pulses 25-27 select the next gain

    def _conversion(self, index: int) -> int:
        middle = self.epoch + (index - 0.5) * self.period     # a conversion integrates over its window
        channel, gain = PULSES_TO_GAIN[min(max(self.pulses, 25), 27)]
        if self.glitch_rate and self.random.random() < self.glitch_rate:
            return self.random.randrange(-FULL_SCALE, FULL_SCALE)
        if channel == "B":
            value = self.channel_b(middle)
        else:
            value = self.offset + self.force(middle) * self.counts_per_gram * gain / 128
        value += self.random.gauss(0, self.noise)
        return max(-FULL_SCALE, min(FULL_SCALE - 1, int(value)))


class _DoutPin(MockPin):
    """DOUT as the driver sees it: an input whose level the chip decides when it is read."""

    def __init__(self, factory: object, info: object, chip: SimHX711):
        super().__init__(factory, info)
        self.chip = chip

    def _get_state(self) -> bool:
        return self.chip.dout()


class _SckPin(MockPin):
    """PD_SCK: an output whose every edge reaches the chip at once (and keeps no history)."""

    def __init__(self, factory: object, info: object, chip: SimHX711):
        super().__init__(factory, info)
        self.chip = chip

    def _change_state(self, value: bool) -> bool:
        if self._state == value:
            return False
        self._state = value
        self.chip.sck(value)
        return True
