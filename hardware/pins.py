"""A `digitalio.DigitalInOut`-shaped view of a gpiozero pin, so the Adafruit HX711 driver runs over
any gpiozero pin factory: MockFactory pins in tests and simulation, lgpio pins on a Pi if wanted."""
from __future__ import annotations

from typing import Any


class PinIO:
    """What the Adafruit driver uses of DigitalInOut: a `value` to read or drive, and `deinit()`."""

    def __init__(self, pin: Any, output: bool):
        self._pin = pin
        pin.function = "output" if output else "input"
        if output:
            pin.state = False

    @property
    def value(self) -> bool:
        return bool(self._pin.state)

    @value.setter
    def value(self, level: bool) -> None:
        self._pin.state = level

    def deinit(self) -> None:
        self._pin.close()
