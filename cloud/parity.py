"""The parity rule: online bids reach the sequencer `parity_ms` after they arrived (docs/parity.md).

A paddle press needs its force measured before it can become a bid (two HX711 samples, 12.5-25 ms
at 80 samples/s); an online click needs nothing. `SpeedBump` sits between the MQTT transport and
the engine and gives the click the same way to travel: it holds every online bidding act for
`parity_ms` from its arrival, in arrival order, and passes everything else (hall bids, commands,
refusals) at once. The tie rule stays "first sequenced wins"; the core never sees the bump.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from cloud.core.commands import PlaceBid, SetMax
from cloud.kernel.engine import Inbound

PARITY_MS = 21   # ties split evenly here between 19 ms and 24 ms (hall_win_share_simultaneous); docs/parity.md


class Submits(Protocol):
    def submit(self, item: Inbound) -> None: ...


def held(item: Inbound) -> bool:
    """An online bid, or an online maximum (a maximum at the asking price bids at once: without the
    bump it would be a click that skips the rule)."""
    command = item.command
    return (isinstance(command, PlaceBid) and command.channel == "online") or isinstance(command, SetMax)


class SpeedBump:
    """A delay line in front of `engine.submit`; every other attribute is the engine's own, so the
    bump goes wherever the engine went: `MqttTransport(SpeedBump(engine, parity_ms), ...)`."""

    def __init__(self, engine: Submits, parity_ms: int, clock: Callable[[], float] = time.monotonic):
        if isinstance(engine, SpeedBump):
            raise ValueError("the parity bump is already in front of this engine: wrapping it twice doubles the delay")
        if parity_ms < 0:
            raise ValueError("parity_ms must not be negative")
        self.engine, self.delay_s, self.now = engine, parity_ms / 1000, clock   # not `clock`: that is the engine's (ms), read through the bump
        self._held: deque[tuple[float, Inbound]] = deque()
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._release, name="parity-bump", daemon=True)
        self._thread.start()

    def __getattr__(self, name: str) -> Any:      # only called for what the bump does not define
        if name == "engine":                      # not yet set: never recurse
            raise AttributeError(name)
        return getattr(self.engine, name)

    def submit(self, item: Inbound) -> None:
        if not self.delay_s or not held(item):
            self.engine.submit(item)
            return
        with self._wake:
            self._held.append((self.now() + self.delay_s, item))
            self._wake.notify()

    def close(self) -> None:
        """Pass what is still held on at once (the engine decides whether to keep it), then stop."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout=5)

    def _release(self) -> None:
        """Due times rise with arrival (one constant delay), so the head is always the next due."""
        while True:
            with self._wake:
                while not self._closed and (not self._held or self._held[0][0] > self.now()):
                    self._wake.wait(None if not self._held else self._held[0][0] - self.now())
                if self._closed and not self._held:
                    return
                _, item = self._held.popleft()
            self.engine.submit(item)
