"""The contracts every paddle driver keeps, real or simulated."""
from __future__ import annotations

from typing import Protocol


class SensorError(RuntimeError):
    """A reading that must not be used: not ready in time, saturated, or garbled."""


class LoadCell(Protocol):
    """A force sensor under one paddle.

    A faithful implementation must:
    - `ready()`: say without blocking whether a new conversion can be read now;
    - `read_raw()`: return one signed 24-bit conversion (counts), blocking at most about one sample
      period, or raise SensorError (not ready in time, saturated, or a read that may be garbled);
    - `sample_period_ms`: the conversion period (12.5 at 80 samples/s, 100 at 10);
    - be called from one thread only; `close()` releases its pins.
    """

    sample_period_ms: float

    def ready(self) -> bool: ...

    def read_raw(self) -> int: ...

    def close(self) -> None: ...
