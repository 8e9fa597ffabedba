"""A simulated hall: N paddles, each a button pin and a simulated HX711 chip.

Press physics: the platform is pushed down over `travel_ms` while the force rises linearly to the
peak; the switch closes at the end of the travel; the force holds (with a little tremor) for the
hold; on release the switch opens and the force falls to zero over 10 ms. A light touch raises
the force without closing the switch. A press with `grams=0` closes the switch with no force.

As on a Pi, the chips are read in the sampler process (hardware/sampler.py): the buttons are pins
of a MockFactory in the hall box's process, the chips sit on the sampler's own MockFactory, and each
press's force profile is sent there (both processes share the system's monotonic clock).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from gpiozero.pins.mock import MockFactory

from hardware.hx711 import HX711LoadCell
from hardware.paddle import Paddle, PaddleWiring, open_button
from hardware.pins import PinIO
from hardware.sampler import DEFAULT_PRIORITY, Sampler, Tally
from hardware.sim.hx711_chip import SimHX711

RELEASE_S = 0.010


@dataclass
class _Profile:
    start: float
    peak: float
    travel: float
    hold: float

    def force(self, t: float) -> float:
        if t < self.start:
            return 0.0
        into = t - self.start
        if into < self.travel:
            return self.peak * into / self.travel
        after = into - self.travel - self.hold
        if after < 0:
            return self.peak
        return max(0.0, self.peak * (1 - after / RELEASE_S))


@dataclass
class _Body:
    """What is pushing on one platform: scripted presses plus a static load (a calibration weight).
    Only the sampler process's one thread touches it."""
    profiles: list[_Profile] = field(default_factory=list)
    static_grams: float = 0.0

    def force(self, t: float) -> float:
        self.profiles = [p for p in self.profiles if t < p.start + p.travel + p.hold + RELEASE_S + 1]
        return self.static_grams + max((p.force(t) for p in self.profiles), default=0.0)


@dataclass(frozen=True)
class Push:
    """An order to the sampler process: a press's force on paddle `paddle`, from `profile.start`."""
    paddle: int
    profile: _Profile


@dataclass(frozen=True)
class Place:
    """An order to the sampler process: leave `grams` on the platform (0 removes it)."""
    paddle: int
    grams: float


@dataclass(frozen=True)
class SimulatedCells:
    """The chips of a simulated hall, as the sampler process opens them (a CellSource)."""
    wirings: tuple[PaddleWiring, ...]
    rate_sps: int = 80
    glitch_rate: float = 0.0
    counts_per_gram: float = 100.0
    seed: int = 0

    def open(self) -> "SimulatedBank":
        return SimulatedBank(self)


class SimulatedBank:
    """Chips that answer the real protocol on a MockFactory, read by the real driver (a CellBank)."""

    def __init__(self, spec: SimulatedCells):
        self.factory = MockFactory()
        self.bodies = {w.number: _Body() for w in spec.wirings}
        self.chips: dict[int, SimHX711] = {}
        self.cells = {}
        for index, w in enumerate(spec.wirings):
            chip = SimHX711(rate_sps=spec.rate_sps, counts_per_gram=spec.counts_per_gram, offset=-50_000 + 7_000 * index,
                            noise_counts=spec.counts_per_gram * 2, glitch_rate=spec.glitch_rate, seed=spec.seed + index,
                            force=self.bodies[w.number].force)
            chip.attach(self.factory, w.dout, w.sck)
            self.chips[w.number] = chip
            self.cells[w.number] = HX711LoadCell(PinIO(self.factory.pin(w.dout), False), PinIO(self.factory.pin(w.sck), True),
                                                 rate_sps=spec.rate_sps)
        self.power_on_resets = sum(chip.power_downs for chip in self.chips.values())   # the driver's own, at start

    def obey(self, order: Push | Place) -> None:
        body = self.bodies[order.paddle]
        if isinstance(order, Push):
            body.profiles.append(order.profile)
        else:
            body.static_grams = order.grams

    def tally(self) -> Tally:
        return Tally(sum(chip.conversions_read for chip in self.chips.values()),
                     sum(chip.power_downs for chip in self.chips.values()) - self.power_on_resets)


class SimulatedHall:
    def __init__(self, wirings: list[PaddleWiring], *, rate_sps: int = 80, glitch_rate: float = 0.0,
                 counts_per_gram: float = 100.0, seed: int = 0, priority: int = DEFAULT_PRIORITY):
        self.factory = MockFactory()
        self.wirings = {w.number: w for w in wirings}
        self.rate_sps = rate_sps
        self.edges: dict[int, list[float]] = {w.number: [] for w in wirings}   # switch-closing times
        self.held_until: dict[int, float] = {}
        self.sampler = Sampler(SimulatedCells(tuple(wirings), rate_sps, glitch_rate, counts_per_gram, seed), priority)

    def paddles(self) -> list[Paddle]:
        return [Paddle(w.number, open_button(w, self.factory), self.sampler.cells[w.number]) for w in self.wirings.values()]

    def press(self, paddle: int, grams: int, hold_ms: int, travel_ms: int = 15, button: bool = True) -> None:
        """Press paddle `paddle` with peak force `grams` held `hold_ms` (returns at once)."""
        if paddle not in self.wirings:
            raise KeyError(f"no simulated paddle {paddle}")
        if button and self.held(paddle):
            raise ValueError(f"paddle {paddle} is still held down: a hand must lift before it presses again")
        now = time.monotonic()
        travel, hold = travel_ms / 1000, hold_ms / 1000
        self.sampler.order(Push(paddle, _Profile(now, float(grams), travel, hold)))
        if button:
            self.held_until[paddle] = now + travel + hold
            pin = self.factory.pin(self.wirings[paddle].button)
            threading.Timer(travel, self._close, (paddle, pin)).start()
            threading.Timer(travel + hold, pin.drive_high).start()

    def held(self, paddle: int) -> bool:
        """A hand is on the paddle: from the start of a press until its release."""
        return time.monotonic() < self.held_until.get(paddle, 0.0)

    def _close(self, paddle: int, pin: object) -> None:
        self.edges[paddle].append(time.monotonic())
        pin.drive_low()  # type: ignore[attr-defined]

    def place(self, paddle: int, grams: float) -> None:
        """Leave a static load on the platform (a calibration weight); 0 removes it."""
        self.sampler.order(Place(paddle, grams))
