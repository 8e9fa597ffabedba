"""The sampler process delivers every reading to its paddle; the simulated chip keeps its strict timing."""
from __future__ import annotations

import time

import pytest

from hardware.hx711 import upstream
from hardware.paddle import Paddle, PaddleWiring
from hardware.ports import SensorError
from hardware.sampler import Sampler
from hardware.sim.hall import SimulatedHall
from tests.hardware.test_hx711 import SCK, cell, good_reads, wired

WIRINGS = [PaddleWiring(11, 17, 5, 6), PaddleWiring(12, 27, 13, 19)]


class Unopenable:
    """A cell source whose cells cannot be opened (a Pi with its HX711 unplugged, say)."""

    def open(self):
        raise RuntimeError("no HX711 on GPIO5")


def take_ready(paddles: dict[int, Paddle], seen: dict[int, list[int]]) -> int:
    """Every reading ready now, into `seen`; the number of faults among them."""
    faults = 0
    for number, readings in seen.items():
        while paddles[number].load_cell.ready():
            try:
                readings.append(paddles[number].load_cell.read_raw())
            except SensorError:
                faults += 1
    return faults


def test_a_clock_held_high_past_60_us_resets_the_chip():
    chip, factory = wired()
    sck = factory.pin(SCK)
    sck.function = "output"
    sck.state = False
    while chip.dout():                      # wait for a conversion
        time.sleep(0.001)
    sck.state = True
    time.sleep(0.001)                       # far past 60 us
    sck.state = False
    assert chip.power_downs == 1 and chip.powered
    assert chip.dout(), "a reset chip settles (50 ms at 80 samples/s) before its next conversion"


def test_the_driver_discards_a_read_whose_clock_stayed_high(monkeypatch):
    chip, factory = wired()
    sensor = cell(factory)
    good_reads(sensor, 1)
    resets, discarded = chip.power_downs, sensor.discarded
    monkeypatch.setattr(upstream.microcontroller, "delay_us", lambda us: time.sleep(200e-6))
    while not sensor.ready():
        time.sleep(0.001)
    with pytest.raises(SensorError, match="held high"):
        sensor.read_raw()
    assert chip.power_downs > resets and sensor.discarded == discarded + 1


def test_after_a_reset_the_first_conversion_at_the_default_gain_is_not_taken(monkeypatch):
    chip, factory = wired(offset=0, force=lambda t: 1_000.0)
    sensor = cell(factory, gain=upstream.HX711.CHAN_A_GAIN_64)
    assert good_reads(sensor, 1) == [50_000]
    with monkeypatch.context() as slow:
        slow.setattr(upstream.microcontroller, "delay_us", lambda us: time.sleep(200e-6))
        while not sensor.ready():
            time.sleep(0.001)
        with pytest.raises(SensorError):
            sensor.read_raw()                   # the chip resets: back to channel A, gain 128
    assert good_reads(sensor, 1) == [50_000], "a gain-128 conversion read as if it were gain 64"


def test_the_sampler_process_delivers_every_reading_to_its_paddle():
    hall = SimulatedHall(WIRINGS)
    paddles = {p.number: p for p in hall.paddles()}
    seen: dict[int, list[int]] = {11: [], 12: []}
    faults = 0
    try:
        hall.place(12, 2_000)               # an order to the other process: 2 kg on paddle 12's platform
        deadline = time.monotonic() + 10
        while min(len(r) for r in seen.values()) < 60 and time.monotonic() < deadline:
            faults += take_ready(paddles, seen)      # as the hall box does: whatever is ready, never waiting on one
            time.sleep(0.001)
    finally:
        for paddle in paddles.values():
            paddle.close()
    assert hall.sampler.process.returncode == 0, "the process ends with the last paddle closed"
    faults += take_ready(paddles, seen)      # what arrived after the last read is still there to read
    assert abs(sorted(seen[11])[30] + 50_000) < 1_000                 # nothing on it: its offset
    assert abs(sorted(seen[12])[-10] - (-43_000 + 200_000)) < 1_000  # its own offset + 2 kg x 100 counts/g
    final = hall.sampler.tally
    delivered = len(seen[11]) + len(seen[12]) + faults + sum(p.load_cell.overwritten for p in paddles.values())
    assert delivered >= final.reads >= len(seen[11]) + len(seen[12]) > 0, "a conversion read but never delivered"
    assert final.resets <= faults


def test_a_bank_that_cannot_open_is_a_sensor_error_with_its_reason():
    with pytest.raises(SensorError, match="no HX711 on GPIO5"):
        Sampler(Unopenable())
