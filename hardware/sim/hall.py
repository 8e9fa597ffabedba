"""A simulated hall: N paddles on one MockFactory, each a button pin and a simulated HX711 chip.

Press physics: the platform is pushed down over `travel_ms` while the force rises linearly to the
peak; the switch closes at the end of the travel; the force holds (with a little tremor) for the
hold; on release the switch opens and the force falls to zero over 10 ms. A light touch raises
the force without closing the switch. A press with `grams=0` closes the switch with no force.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from gpiozero.pins.mock import MockFactory

from hardware.hx711 import HX711LoadCell
from hardware.paddle import Paddle, PaddleWiring, open_button
from hardware.pins import PinIO
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
    """What is pushing on one platform: scripted presses plus a static load (a calibration weight)."""
    profiles: list[_Profile] = field(default_factory=list)
    static_grams: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def force(self, t: float) -> float:
        with self.lock:
            self.profiles = [p for p in self.profiles if t < p.start + p.travel + p.hold + RELEASE_S + 1]
            return self.static_grams + max((p.force(t) for p in self.profiles), default=0.0)


class SimulatedHall:
    def __init__(self, wirings: list[PaddleWiring], *, rate_sps: int = 80, glitch_rate: float = 0.0,
                 counts_per_gram: float = 100.0, seed: int = 0):
        self.factory = MockFactory()
        self.wirings = {w.number: w for w in wirings}
        self.bodies = {w.number: _Body() for w in wirings}
        self.chips = {}
        self.rate_sps = rate_sps
        self.edges: dict[int, list[float]] = {w.number: [] for w in wirings}   # switch-closing times
        self.held_until: dict[int, float] = {}
        for index, w in enumerate(wirings):
            chip = SimHX711(rate_sps=rate_sps, counts_per_gram=counts_per_gram, offset=-50_000 + 7_000 * index,
                            noise_counts=counts_per_gram * 2, glitch_rate=glitch_rate, seed=seed + index,
                            force=self.bodies[w.number].force)
            chip.attach(self.factory, w.dout, w.sck)
            self.chips[w.number] = chip

    def paddles(self) -> list[Paddle]:
        out = []
        for w in self.wirings.values():
            cell = HX711LoadCell(PinIO(self.factory.pin(w.dout), False), PinIO(self.factory.pin(w.sck), True), rate_sps=self.rate_sps)
            out.append(Paddle(w.number, open_button(w, self.factory), cell))
        return out

    def press(self, paddle: int, grams: int, hold_ms: int, travel_ms: int = 15, button: bool = True) -> None:
        """Press paddle `paddle` with peak force `grams` held `hold_ms` (returns at once)."""
        if paddle not in self.bodies:
            raise KeyError(f"no simulated paddle {paddle}")
        if button and self.held(paddle):
            raise ValueError(f"paddle {paddle} is still held down: a hand must lift before it presses again")
        now = time.monotonic()
        travel, hold = travel_ms / 1000, hold_ms / 1000
        body = self.bodies[paddle]
        with body.lock:
            body.profiles.append(_Profile(now, float(grams), travel, hold))
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
        with self.bodies[paddle].lock:
            self.bodies[paddle].static_grams = grams
