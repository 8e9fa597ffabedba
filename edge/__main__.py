"""The hall box process: the only place that chooses real or simulated paddles and wires them up.

    ./hall hallbox [--config FILE] [--simulate] [--port N] [--store PATH]
On a Raspberry Pi (hall.hardware = "auto" or "pi") the paddles are real: gpiozero's lgpio pins for
the buttons, Blinka digitalio for the HX711s. Elsewhere, or with --simulate, a simulated hall runs
the same driver code over MockFactory pins, pressed from the sim topic (auction/sim/{hall}/press).
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from edge.camera import VideoPublisher, caption_of, open_camera
from edge.config import HallBoxConfig, load
from edge.core.hall import HallState
from edge.core.keys import Command, PressPaddle, key_to_action
from edge.core.views import all_views
from edge.display import Display
from edge.hallbox import HallBox
from edge.store import HallStore
from hardware.paddle import Paddle, pi_paddles
from hardware.sim.hall import SimulatedHall


def on_a_pi() -> bool:
    model = Path("/proc/device-tree/model")
    return model.exists() and "Raspberry Pi" in model.read_text(errors="ignore")


def build(config: HallBoxConfig, simulate: bool, display: Display | None = None, narrate: bool = True,
          clock_skew_s: float = 0.0) -> HallBox:
    """Real or simulated paddles, the store, the loop, the screens: the hall box, not yet started."""
    wirings = config.hall.paddles
    use_pi = not simulate and (config.hall.hardware == "pi" or (config.hall.hardware == "auto" and on_a_pi()))
    simulator: SimulatedHall | None = None
    if use_pi:
        from gpiozero.pins.lgpio import LGPIOFactory
        paddles: list[Paddle] = pi_paddles(wirings, config.hall.rate_sps, config.hall.sampler_priority)
        ticks = LGPIOFactory.ticks
    else:
        simulator = SimulatedHall(wirings, rate_sps=config.hall.rate_sps, glitch_rate=config.hall.glitch_per_mille / 1000,
                                  priority=config.hall.sampler_priority)
        paddles = simulator.paddles()
        ticks = simulator.factory.ticks
    narrator = Narrator()
    holders = {p.number: p.name for p in config.paddles}
    run_list = [(lot.id, lot.title) for lot in config.lots]
    mirror = frozenset(config.display.mirror)
    offset = time.localtime().tm_gmtoff

    def on_change(state: HallState) -> None:
        state.stamp(hall.arbiter_now_ms())          # what just arrived gets its time and lot
        if narrate:
            narrator.on_change(state)
        if display is not None:
            display.show(all_views(state, holders, run_list, config.press, mirror, time.monotonic(), hall.arbiter_now_ms(), offset))

    skew_ms = int(clock_skew_s * 1000)
    hall = HallBox(config, paddles, HallStore(config.hall.store), ticks, simulator=simulator, on_change=on_change,
                   wall_ms=lambda: time.time_ns() // 1_000_000 + skew_ms)
    if display is not None:
        display.on_key = lambda key, shift: keyboard(hall, key, shift)
    return hall


def start_camera(config: HallBoxConfig, hall: HallBox) -> VideoPublisher | None:
    """The hall video on the hall's broker (the bridge carries it to the cloud), if a camera is configured."""
    if config.camera.source == "none":
        return None
    source = open_camera(config.camera, lambda: caption_of(hall.state))
    return VideoPublisher(config.camera, config.broker, config.sale.hall, source, hall.arbiter_now_ms).start()


def keyboard(hall: HallBox, key: str, shift: bool) -> None:
    """The auctioneer's keys (listed on their screen); digits press simulated paddles."""
    paused = hall.state.lot is not None and hall.state.lot.status == "paused"
    action = key_to_action(key, shift, sorted(hall.paddles), paused)
    if isinstance(action, Command):
        hall.submit(action.action, **action.fields)
    elif isinstance(action, PressPaddle) and hall.simulator is not None:
        try:
            hall.simulator.press(action.paddle, action.grams, 250)
        except ValueError:
            pass


def say(line: str) -> None:
    """One line to the terminal in one write: print() writes the text and its newline apart, so the
    narrator's thread and the main thread could splice two lines into one ("...paddleslink up")."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Narrator:
    """Prints what changed for people watching a terminal (the displays draw the same state)."""

    def __init__(self) -> None:
        self.seen: dict[int, str] = {}
        self.notices = 0
        self.link: bool | None = None

    def on_change(self, state: HallState) -> None:
        if state.link_up != self.link:
            self.link = state.link_up
            say(f"link {'up' if state.link_up else 'DOWN'}; {state.waiting} waiting in the outbox")
        for number, paddle in state.paddles.items():
            if paddle.feedback and paddle.feedback != self.seen.get(number):
                self.seen[number] = paddle.feedback
                say(f"paddle {number}: {paddle.feedback}")
        for notice in state.notices[self.notices:]:
            say(f"auctioneer: {notice}")
        self.notices = len(state.notices)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall hallbox", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    parser.add_argument("--simulate", action="store_true", help="simulated paddles even on a Pi")
    parser.add_argument("--port", type=int, help="override broker.port")
    parser.add_argument("--store", help="override hall.store")
    parser.add_argument("--media", help="override display.media (lot images; avatars the house publishes land here)")
    parser.add_argument("--headless", action="store_true", help="no windows: screens are kept for PNG snapshots")
    parser.add_argument("--no-display", action="store_true", help="no screens at all")
    parser.add_argument("--clock-skew-s", type=float, default=0.0, help="run with this box's wall clock this far off (the clock-jump drill)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = load(args.config)
    if args.port:
        config = replace(config, broker=replace(config.broker, port=args.port))
    if args.store:
        config = replace(config, hall=replace(config.hall, store=args.store))
    if args.media:
        config = replace(config, display=replace(config.display, media=args.media))
    display = None if args.no_display else Display(config.display, headless=args.headless).start()
    hall = build(config, args.simulate, display, clock_skew_s=args.clock_skew_s).start()
    video = start_camera(config, hall)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    say(f"hall box ready: hall {config.sale.hall}, {len(config.hall.paddles)} paddles")
    stopped.wait()
    if video is not None:
        video.stop()
    hall.stop()
    if display is not None:
        display.stop()


if __name__ == "__main__":
    main()
