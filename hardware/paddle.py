"""A paddle: a gpiozero Button and a load cell under one platform. The pin factory is injected."""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import Any

from gpiozero import Button

from hardware.hx711 import HX711LoadCell
from hardware.ports import LoadCell


@dataclass(frozen=True)
class PaddleWiring:
    """Which BCM GPIO pins one paddle uses."""
    number: int
    button: int
    dout: int
    sck: int


@dataclass
class Paddle:
    number: int
    button: Button
    load_cell: LoadCell

    def close(self) -> None:
        self.button.close()
        self.load_cell.close()


def open_button(wiring: PaddleWiring, factory: Any) -> Button:
    """The switch closes to ground, so the pin is pulled up; debouncing is done on edge ticks
    in edge/core/press.py (MockFactory does not implement bounce_time)."""
    return Button(wiring.button, pull_up=True, pin_factory=factory)


def pi_load_cell(wiring: PaddleWiring, rate_sps: int) -> HX711LoadCell:
    """The real HX711 on a Raspberry Pi through Adafruit Blinka's digitalio (as the driver expects)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import board
        import digitalio
    data = digitalio.DigitalInOut(getattr(board, f"D{wiring.dout}"))
    data.direction = digitalio.Direction.INPUT
    clock = digitalio.DigitalInOut(getattr(board, f"D{wiring.sck}"))
    clock.direction = digitalio.Direction.OUTPUT
    return HX711LoadCell(data, clock, rate_sps=rate_sps)


def pi_paddles(wirings: list[PaddleWiring], rate_sps: int) -> list[Paddle]:
    """Real paddles: lgpio pins for the buttons (Raspberry Pi OS bookworm), Blinka for the HX711s."""
    from gpiozero.pins.lgpio import LGPIOFactory
    factory = LGPIOFactory()
    return [Paddle(w.number, open_button(w, factory), pi_load_cell(w, rate_sps)) for w in wirings]
