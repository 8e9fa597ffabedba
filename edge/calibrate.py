"""./hall calibrate [--paddle N] [--grams 1000] [--yes] [--simulate]: tare and calibrate each paddle.

For each paddle: take readings with nothing on it (tare), then with a known weight on it, and store
the result in the hall box's SQLite (the hall box uses it from its next start). Unstable or
saturated readings are refused with what to do. Run it while the hall box is stopped (it needs the
pins). With --simulate the simulated hall places the weight itself; --yes skips the prompts.
"""
from __future__ import annotations

import argparse
import sys
import time

from edge.config import load
from edge.core.calibration import Calibration, CalibrationError, fit
from edge.store import HallStore
from hardware.paddle import Paddle, pi_paddles
from hardware.ports import SensorError
from hardware.sim.hall import SimulatedHall

READINGS = 20
ATTEMPTS = 3          # a refused calibration is tried again, as a person would


def readings(paddle: Paddle, what: str) -> list[int]:
    values: list[int] = []
    deadline = time.monotonic() + READINGS * paddle.load_cell.sample_period_ms / 1000 * 4 + 2
    while len(values) < READINGS and time.monotonic() < deadline:
        try:
            values.append(paddle.load_cell.read_raw())
        except SensorError as fault:
            print(f"    ({fault})")
        print(f"\r  {what}: {len(values)}/{READINGS}", end="", flush=True)
    print()
    return values


def calibrate(paddle: Paddle, grams: int, place: callable, ask: callable) -> Calibration:  # type: ignore[valid-type]
    ask(f"Paddle {paddle.number}: take everything off it")
    place(paddle.number, 0)
    tare = readings(paddle, "tare")
    ask(f"Paddle {paddle.number}: put the {grams} g weight on it")
    place(paddle.number, grams)
    time.sleep(0.1)
    loaded = readings(paddle, f"{grams} g")
    place(paddle.number, 0)
    return fit(tare, loaded, grams)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall calibrate", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paddle", type=int, action="append", help="only this paddle (repeatable)")
    parser.add_argument("--grams", type=int, default=1000, help="the known weight (default 1000 g)")
    parser.add_argument("--yes", action="store_true", help="do not wait for Enter between steps")
    parser.add_argument("--simulate", action="store_true")
    parser.add_argument("--config")
    parser.add_argument("--store", help="override hall.store")
    args = parser.parse_args(argv)
    config = load(args.config)
    wirings = [w for w in config.hall.paddles if not args.paddle or w.number in args.paddle]
    if args.simulate or config.hall.hardware == "simulated":
        hall = SimulatedHall(wirings, rate_sps=config.hall.rate_sps)
        paddles, place = hall.paddles(), hall.place
    else:
        paddles, place = pi_paddles(wirings, config.hall.rate_sps), (lambda number, grams: None)
    ask = (lambda text: print(text)) if args.yes else (lambda text: input(f"{text}, then press Enter "))
    store = HallStore(args.store or config.hall.store)
    failed = 0
    for paddle in paddles:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                result = calibrate(paddle, args.grams, place, ask)
                break
            except CalibrationError as refusal:
                print(f"Paddle {paddle.number}: attempt {attempt} of {ATTEMPTS} refused: {refusal}")
        else:
            print(f"Paddle {paddle.number}: NOT calibrated")
            failed += 1
            continue
        store.save_calibration(paddle.number, result)
        print(f"Paddle {paddle.number}: offset {result.offset}, {result.counts_per_kg} counts per kg: saved")
    for paddle in paddles:
        paddle.close()
    store.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
