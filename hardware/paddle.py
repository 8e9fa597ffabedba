"""A paddle: a gpiozero Button and a load cell under one platform. The pin factory is injected; the
load cell is read in the sampler process (hardware/sampler.py), the button in the hall box's."""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import Any

from gpiozero import Button

from hardware.hx711 import HX711LoadCell
from hardware.sampler import DEFAULT_PRIORITY, SampledCell, Sampler, Tally


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
    load_cell: SampledCell         # a LoadCell whose reads happen in the sampler process

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


@dataclass(frozen=True)
class PiCells:
    """The HX711s of real paddles, as the sampler process opens them (a hardware.sampler.CellSource)."""
    wirings: tuple[PaddleWiring, ...]
    rate_sps: int

    def open(self) -> "PiBank":
        return PiBank({w.number: pi_load_cell(w, self.rate_sps) for w in self.wirings})


@dataclass
class PiBank:
    """Real load cells take no orders; a reset is what the driver layer can see of one: a read whose
    clock line stayed high past the limit (discarded)."""
    cells: dict[int, HX711LoadCell]

    def obey(self, order: Any) -> None:
        raise ValueError(f"real paddles take no orders ({order!r} is for a simulated hall)")

    def tally(self) -> Tally:
        return Tally(sum(c.reads for c in self.cells.values()), sum(c.discarded for c in self.cells.values()))


def pi_paddles(wirings: list[PaddleWiring], rate_sps: int, priority: int = DEFAULT_PRIORITY) -> list[Paddle]:
    """Real paddles: lgpio pins for the buttons (Raspberry Pi OS bookworm), Blinka for the HX711s,
    read in the sampler process at SCHED_FIFO `priority`."""
    from gpiozero.pins.lgpio import LGPIOFactory
    factory = LGPIOFactory()
    sampler = Sampler(PiCells(tuple(wirings), rate_sps), priority)
    return [Paddle(w.number, open_button(w, factory), sampler.cells[w.number]) for w in wirings]
