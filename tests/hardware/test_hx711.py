"""The real Adafruit HX711 driver, run over the simulated chip on MockFactory pins."""
from __future__ import annotations

import time
import types

import pytest
from gpiozero.pins.mock import MockFactory

from edge.core.calibration import CalibrationError, fit
from edge.core.press import MedianOf3
from hardware.hx711 import HX711LoadCell, SignedHX711, install_interrupt_shim, to_signed_24, upstream
from hardware.pins import PinIO
from hardware.ports import SensorError
from hardware.sim.hx711_chip import SimHX711

DOUT, SCK = 5, 6


def wired(**chip_options) -> tuple[SimHX711, MockFactory]:
    factory = MockFactory()
    chip = SimHX711(noise_counts=0, **chip_options)
    chip.attach(factory, DOUT, SCK)
    return chip, factory


def cell(factory: MockFactory, **options) -> HX711LoadCell:
    return HX711LoadCell(PinIO(factory.pin(DOUT), False), PinIO(factory.pin(SCK), True), **options)


def good_reads(load_cell: HX711LoadCell, count: int) -> list[int]:
    """Reads, skipping the ones the driver layer itself refused (a disturbed clock phase)."""
    values: list[int] = []
    while len(values) < count:
        try:
            values.append(load_cell.read_raw())
        except SensorError:
            pass
    return values


def test_positive_and_negative_readings_are_signed_24_bit():
    load = {"grams": 1_000.0}
    chip, factory = wired(offset=0, force=lambda t: load["grams"])
    sensor = cell(factory)
    assert MedianOf3().push(good_reads(sensor, 3)[1]) == 100_000
    load["grams"] = -2_500.0
    assert sorted(good_reads(sensor, 3))[1] == -250_000


def test_upstream_sign_extension_returns_a_large_positive_number_for_a_negative_reading():
    chip, factory = wired(offset=-1234)
    install_interrupt_shim()
    driver = upstream.HX711(PinIO(factory.pin(DOUT), False), PinIO(factory.pin(SCK), True))
    raw = None
    while raw is None or raw < 0x1000000:          # skip the odd read a disturbed clock garbles
        while driver.is_busy:
            time.sleep(0.0005)
        raw = driver._read_channel_raw(driver.CHAN_A_GAIN_128)
        if raw == 0xFFFFFFFF:
            raw = None
    assert raw > 2**31                               # the defect, as measured
    assert to_signed_24(raw) == -1234                # and what it encodes


def test_sign_conversion_table():
    assert [to_signed_24(v) for v in (0, 1, 0x7FFFFF, 0x800000, 0xFFFFFF, 0xFFFFFFFF)] == [0, 1, 8388607, -8388608, -1, -1]


def test_upstream_read_fails_on_blinka_without_the_interrupt_shim(monkeypatch):
    bare = types.SimpleNamespace(delay_us=lambda us: None)     # what Blinka's microcontroller offers
    monkeypatch.setattr(upstream, "microcontroller", bare)
    chip, factory = wired()
    driver = SignedHX711(PinIO(factory.pin(DOUT), False), PinIO(factory.pin(SCK), True))
    while driver.is_busy:
        time.sleep(0.001)
    with pytest.raises(AttributeError, match="disable_interrupts"):
        driver._read_channel_raw(driver.CHAN_A_GAIN_128)
    install_interrupt_shim(bare)
    assert driver._read_channel_raw(driver.CHAN_A_GAIN_128) is not None


def test_gain_64_halves_the_counts_and_channel_b_reads_its_own_input():
    chip, factory = wired(offset=0, force=lambda t: 1_000.0, channel_b=lambda t: 4321)
    assert sorted(good_reads(cell(factory, gain=upstream.HX711.CHAN_A_GAIN_64), 3))[1] == 50_000
    chip, factory = wired(offset=0, force=lambda t: 1_000.0, channel_b=lambda t: 4321)
    assert sorted(good_reads(cell(factory, gain=upstream.HX711.CHAN_B_GAIN_32), 3))[1] == 4321


def test_power_down_and_wake():
    chip, factory = wired(offset=0, force=lambda t: 500.0)
    sensor = cell(factory)
    good_reads(sensor, 2)
    sensor.power_down()
    time.sleep(0.002)
    assert not sensor.ready() and not chip.powered
    sensor.wake()
    assert chip.powered
    assert sorted(good_reads(sensor, 3))[1] == 50_000   # after the 50 ms settling


def test_rates_are_the_chips_own():
    chip, factory = wired(rate_sps=10)
    sensor = cell(factory, rate_sps=10)
    good_reads(sensor, 1)
    start = time.monotonic()
    good_reads(sensor, 3)
    assert time.monotonic() - start >= 0.25           # 10 per second, never faster
    with pytest.raises(ValueError):
        SimHX711(rate_sps=40)


def test_an_isolated_glitch_sample_never_passes_the_median_filter():
    chip, factory = wired(offset=0, force=lambda t: 1_000.0, glitch_rate=0.1, seed=3)
    raw = good_reads(cell(factory), 80)
    glitch = [abs(v - 100_000) > 1_000 for v in raw]
    assert any(glitch), "the simulated chip produced glitch samples"
    filtered = MedianOf3()
    for i, value in enumerate(raw):
        out = filtered.push(value)
        if i < 2:      # a window of two gives the lower: a glitch there may lower a reading, never raise it
            assert out <= 101_000, f"sample {i} raised by a glitch"
        elif abs(out - 100_000) > 1_000:
            assert sum(glitch[i - 2: i + 1]) >= 2, f"sample {i} passed a lone glitch"


def test_saturation_is_refused():
    chip, factory = wired(offset=0, force=lambda t: 200_000.0)
    with pytest.raises(SensorError, match="saturated"):
        for _ in range(10):
            try:
                cell(factory).read_raw()
            except SensorError as e:
                if "saturated" in str(e):
                    raise


def test_silent_chip_times_out_with_a_clear_error():
    factory = MockFactory()
    factory.pin(DOUT).drive_high()                  # nothing answers: DOUT never goes low
    sensor = HX711LoadCell(PinIO(factory.pin(DOUT), False), PinIO(factory.pin(SCK), True))
    with pytest.raises(SensorError, match="not ready"):
        sensor.read_raw()


def test_tare_and_known_weight_calibration():
    load = {"grams": 0.0}
    chip, factory = wired(offset=-40_000, counts_per_gram=87.5, force=lambda t: load["grams"])
    sensor = cell(factory)
    tare = good_reads(sensor, 10)
    load["grams"] = 1_000.0
    good_reads(sensor, 2)
    calibration = fit(tare, good_reads(sensor, 10), 1_000)
    assert calibration.offset == -40_000 and calibration.counts_per_kg == 87_500
    assert calibration.grams(-40_000 + 87_500 * 3) == 3_000


def test_one_glitch_among_calibration_readings_is_tolerated():
    assert fit([0, 0, 1, 0, 90_000, 0, 2, 0, 1, 0], [100_000] * 10, 1_000).offset == 0


@pytest.mark.parametrize("tare, loaded, complaint", [
    ([0, 1_000, 2_500, 4_000, 6_000], [1] * 5, "keep the paddle still"),
    ([0] * 5, [2**23 - 1] * 5, "saturated"),
    ([0] * 5, [10] * 5, "barely changed"),
    ([0] * 3, [10] * 5, "only 3 good readings"),
])
def test_calibration_refusals_say_what_to_do(tare, loaded, complaint):
    with pytest.raises(CalibrationError, match=complaint):
        fit(tare, loaded, 1_000)
