"""The HX711 load cell through adafruit-circuitpython-hx711 1.1.2, with its measured defects handled.

1. The driver calls `microcontroller.disable_interrupts()`/`enable_interrupts()`, which Adafruit
   Blinka on Linux (the Pi) does not have: as shipped it raises AttributeError on the first read.
   `install_interrupt_shim` adds them (user space cannot mask interrupts; see 3).
2. Its sign extension ORs 0xFF000000 into a 24-bit negative reading, which on CPython's unbounded
   ints is a large positive number (-1 reads as 4294967295). `SignedHX711` converts it back.
3. Blinka's `delay_us` is `time.sleep(us / 1e6)`: on Linux that sleeps 50-100 us, against a 60 us
   limit for PD_SCK high before the chip powers down mid-read. The shim busy-waits instead. The reads
   run in a sampler process of their own at real-time priority (hardware/sampler.py), so no hall box
   thread can pre-empt one; what still can (an interrupt, a hypervisor on a VM) is caught here:
   `HX711LoadCell` times every high phase of the clock line and discards a read in which one
   exceeded `HIGH_LIMIT_NS`: the chip may have powered down and the bits be garbage.
"""
from __future__ import annotations

import contextlib
import io
import time
from types import ModuleType
from typing import Any

from hardware.ports import SensorError

with contextlib.redirect_stdout(io.StringIO()):   # Blinka prints a board warning off the Pi
    import adafruit_hx711.hx711 as upstream

FULL_SCALE = 2**23
RATES = (10, 80)
HIGH_LIMIT_NS = 50_000      # below the chip's 60 us power-down, for what our timing cannot see


def busy_delay_us(us: float) -> None:
    """Wait `us` microseconds without giving up the CPU (a sleep overshoots the 60 us limit)."""
    end = time.perf_counter_ns() + int(us * 1000)
    while time.perf_counter_ns() < end:
        pass


def install_interrupt_shim(module: ModuleType = upstream.microcontroller) -> None:
    """Give Blinka's `microcontroller` what the driver calls, once; a real CircuitPython board keeps its own."""
    if not hasattr(module, "disable_interrupts"):
        module.disable_interrupts = lambda: None  # type: ignore[attr-defined]
        module.enable_interrupts = lambda: None   # type: ignore[attr-defined]
        module.delay_us = busy_delay_us           # type: ignore[attr-defined]


def to_signed_24(value: int) -> int:
    """A reading as the driver returns it (maybe 0xFFxxxxxx) to the signed 24-bit value it encodes."""
    value &= 0xFFFFFF
    return value - (1 << 24) if value & 0x800000 else value


class SignedHX711(upstream.HX711):
    """The upstream driver with its sign fixed; every bit is still clocked by upstream code."""

    def _read_channel_raw(self, chan_gain: int) -> int:
        return to_signed_24(super()._read_channel_raw(chan_gain))


class WatchedClock:
    """The PD_SCK pin, timing how long each high phase lasted (the driver only sets `value`)."""

    def __init__(self, pin: Any):
        self.pin = pin
        self.high_since = 0
        self.longest_high_ns = 0

    @property
    def value(self) -> bool:
        return bool(self.pin.value)

    @value.setter
    def value(self, level: bool) -> None:
        """Timed from before the rising write to after the falling one: a stall inside either write
        is counted too (the phase can only be overestimated, by the writes' few microseconds)."""
        if level:
            self.high_since = time.perf_counter_ns()
            self.pin.value = True
        else:
            self.pin.value = False
            if self.high_since:
                self.longest_high_ns = max(self.longest_high_ns, time.perf_counter_ns() - self.high_since)
                self.high_since = 0

    def deinit(self) -> None:
        self.pin.deinit()


class HX711LoadCell:
    """One paddle's load cell: implements hardware.ports.LoadCell over the fixed upstream driver.

    `data`/`clock` are DigitalInOut-like pins (Blinka's on a Pi, hardware.pins.PinIO elsewhere).
    """

    def __init__(self, data: Any, clock: Any, *, gain: int = upstream.HX711.CHAN_A_GAIN_128, rate_sps: int = 80):
        if rate_sps not in RATES:
            raise ValueError("an HX711 runs at 10 or 80 samples per second")
        install_interrupt_shim()
        self.sample_period_ms = 1000 / rate_sps
        self.gain = gain
        self.clock = WatchedClock(clock)
        self._pins = (data, self.clock)
        self.driver = SignedHX711(data, self.clock)   # upstream __init__: power reset (clock high 1 ms)
        self._stale_gain = gain != upstream.HX711.CHAN_A_GAIN_128
        self.reads = 0
        self.discarded = 0

    def ready(self) -> bool:
        return not self.driver.is_busy

    def read_raw(self) -> int:
        deadline = time.monotonic() + max(0.5, 3 * self.sample_period_ms / 1000)
        while self.driver.is_busy:
            if time.monotonic() > deadline:
                raise SensorError("HX711 not ready: check its wiring and power")
            time.sleep(0.0002)
        self.clock.longest_high_ns = 0
        self.reads += 1
        # The public read() clocks two conversions per call to set the gain first; the gain is set
        # once here, so each sample costs one conversion (80 per second, not 40).
        value = self.driver._read_channel_raw(self.gain)
        if self.clock.longest_high_ns > HIGH_LIMIT_NS:
            self.discarded += 1
            self._stale_gain = self.gain != upstream.HX711.CHAN_A_GAIN_128   # a reset chip is back at A/128
            raise SensorError(f"clock held high {self.clock.longest_high_ns // 1000} us (limit 60): the chip may "
                              "have powered down mid-read; sample discarded")
        if self._stale_gain:                       # the first conversion after a gain change is old
            self._stale_gain = False
            return self.read_raw()
        if value >= FULL_SCALE - 1 or value <= -FULL_SCALE:
            raise SensorError(f"HX711 saturated at {value}: load beyond the cell's range or a broken bridge wire")
        return value

    def power_down(self) -> None:
        self.driver.power_down(True)

    def wake(self) -> None:
        self.driver.power_down(False)
        self._stale_gain = self.gain != upstream.HX711.CHAN_A_GAIN_128

    def close(self) -> None:
        for pin in self._pins:
            pin.deinit()
