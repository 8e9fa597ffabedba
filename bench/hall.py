"""Hall figures for ./hall bench: simulated paddles (80 samples/s) through the real drivers, the hall
box, the broker and the arbiter.

  press_to_bid_ms_p50/p99  button edge -> the bid seen on the broker
  press_to_result_ms_p99   button edge -> the arbiter's answer seen on the broker
  hall_vs_online_arrival_ms_p99  p99(edge -> broker) - (p99(online publish -> broker) + parity_ms):
                           how much later a hall bid reaches the sequencer, the parity rule applied
  hall_vs_online_wire_ms_p99     the same without the rule: p99(edge -> broker) - p99(online -> broker)
  parity_ms_measured       p50(edge -> broker) - p50(online publish -> broker): what parity_ms should be
  hall_decided_vs_online_ms_p99  p99(press decided -> broker) - p99(online publish -> broker)
  press_tier_accuracy      presses whose tier matched the force pressed (light, firm, hard); also
                           the same two figures deciding at the third sample (three_sample_...)
  sample_period_ms         the load cells' conversion period
  press_to_pixels_ms_p99   button edge -> the paddle display's frame showing the press drawn
  hx711_resets_per_1000_reads  reads in which a clock line held high past 60 us reset a chip (50 ms
                           without data); the chips are read in the sampler process (hardware/sampler.py)
  render_main_ms_p99       drawing the main display, 1920x1080
  render_paddle_ms_p99     drawing eight paddle displays, 320x240 each (one frame)
Edges and arrivals are read on one monotonic clock (gpiozero MockFactory ticks are time.monotonic).
"""
from __future__ import annotations

import contextlib
import json
import queue
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.clients import percentile
from cloud.broker import Broker
from cloud.parity import PARITY_MS
from edge.__main__ import build
from edge.config import load
from edge.core.hall import BidRecord, HallState, PaddleState
from edge.core.views import all_views
from edge.display import Display
from edge.hallbox import HallBox
from shared import messages, topics
from shared.messages import encode
from shared.mqtt import connect_and_wait, make_client

PRESSES = [(11, 1_000, 0), (12, 3_800, 1), (13, 7_500, 2)]   # paddle, peak grams, expected tier


class Wire:
    """A subscriber on the broker: when each bid and each answer crossed it (monotonic seconds)."""

    def __init__(self, broker: Broker, hall: str):
        self.seen: queue.SimpleQueue[tuple[float, dict[str, Any]]] = queue.SimpleQueue()
        self.client = make_client()
        self.client.on_message = lambda c, u, m: self.seen.put((time.monotonic(), json.loads(m.payload)))
        connect_and_wait(self.client, broker.host, broker.port)
        self.client.subscribe([(topics.HALL_BID.filter(), 1), (topics.HALL_RESULT.format(hall=hall), 1),
                               (topics.BIDDER_BID.filter(), 1)])
        time.sleep(0.1)

    def next(self, **match: Any) -> tuple[float, dict[str, Any]]:
        while True:
            at, body = self.seen.get(timeout=10)
            if all(body.get(k) == v for k, v in match.items()):
                return at, body

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@contextlib.contextmanager
def hall_box(broker: Broker, store: Path, sale: str, decide_samples: int = 2) -> Iterator[tuple[HallBox, Display, Wire]]:
    """A simulated hall box with its screens (headless) on the bench's broker, tared, linked, with
    the open lot in hand; and a Wire watching its bids."""
    config = load()
    config = replace(config, broker=replace(config.broker, port=broker.port), sale=replace(config.sale, id=sale),
                     hall=replace(config.hall, store=str(store), client_id=f"bench-hall-{decide_samples}"),
                     press=replace(config.press, decide_samples=decide_samples))
    display = Display(config.display, headless=True).start()
    box = build(config, simulate=True, display=display, narrate=False).start()
    wire = Wire(broker, config.sale.hall)
    try:
        deadline = time.monotonic() + 10
        while (box.tare or not box.state.link_up or box.state.lot is None) and time.monotonic() < deadline:
            time.sleep(0.01)
        yield box, display, wire
    finally:
        wire.close()
        box.stop()                                     # the sampler process sends its final tally
        display.stop()


def recorded(box: HallBox, paddle: int, bid_id: str) -> BidRecord:
    """The hall box's record of a bid seen on the wire: the loop records it just after publishing,
    so on a busy machine the wire can be first."""
    deadline = time.monotonic() + 5
    while (found := next((b for b in box.state.paddles[paddle].bids if b.bid_id == bid_id), None)) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"bid {bid_id} was published but the hall box never recorded it")
        time.sleep(0.001)
    return found


def presses(broker: Broker, store: Path, sale: str, rounds: int, decide_samples: int) -> dict[str, float]:
    with hall_box(broker, store, sale, decide_samples) as (box, display, wire):
        sim = box.simulator
        to_bid, to_result, decided_to_wire, to_pixels, right = [], [], [], [], 0
        for index in range(rounds):
            paddle, grams, tier = PRESSES[index % len(PRESSES)]
            sim.press(paddle, grams, 120)
            bid_at, bid = wire.next(type="bid", paddle=paddle)
            result_at, _ = wire.next(type="bid_result", bid_id=bid["bid_id"])
            record = recorded(box, paddle, bid["bid_id"])
            to_bid.append((bid_at * 1e6 - record.pressed_us) / 1000)
            to_result.append((result_at * 1e6 - record.pressed_us) / 1000)
            decided_to_wire.append((bid_at * 1e6 - record.decided_us) / 1000)
            right += record.tier == tier
            shown_by = time.monotonic() + 0.1            # the press is held 120 ms: its frame comes before release
            while (drawn := display.stats.pressed_drawn.get(paddle)) is None and time.monotonic() < shown_by:
                time.sleep(0.001)
            if drawn is not None:
                to_pixels.append((drawn * 1e6 - record.pressed_us) / 1000)
            time.sleep(0.25)
        period = next(iter(box.paddles.values())).load_cell.sample_period_ms
    tally = sim.sampler.tally
    return {"to_bid_p50": percentile(to_bid, 50), "to_bid_p99": percentile(to_bid, 99), "to_result_p99": percentile(to_result, 99),
            "decided_to_wire_p99": percentile(decided_to_wire, 99), "tier_accuracy": right / rounds, "period": period,
            "to_pixels_p99": percentile(to_pixels, 99) if to_pixels else float("nan"), "pixels_seen": len(to_pixels),
            "resets_per_1000_reads": tally.per_1000()}


def online_arrivals(broker: Broker, count: int) -> list[float]:
    """Online bidder publish -> the bid seen on the broker (the same hop the arbiter's receipt is)."""
    wire = Wire(broker, "none")
    client = make_client()
    connect_and_wait(client, broker.host, broker.port)
    samples = []
    for i in range(count):
        bid = messages.Bid(bid_id=f"bench-online-{i}", lot="closed", amount=100, currency="HKD")
        start = time.monotonic()
        client.publish(topics.BIDDER_BID.format(account="alice"), encode(bid), qos=1)
        at, _ = wire.next(bid_id=bid.bid_id)
        samples.append((at - start) * 1000)
    client.disconnect()
    client.loop_stop()
    wire.close()
    return samples


def figures(broker: Broker, work: Path, sale: str, rounds: int = 60, parity_ms: int = PARITY_MS) -> dict[str, float]:
    """`parity_ms`: the parity rule's delay on online bids (cloud/parity.py), which the arrival
    comparison includes: it compares arrivals at the sequencer."""
    online = online_arrivals(broker, 200)
    online_p50, online_p99 = percentile(online, 50), percentile(online, 99)
    chosen = presses(broker, work / "hall2.sqlite3", sale, rounds, decide_samples=2)      # the default
    careful = presses(broker, work / "hall3.sqlite3", sale, rounds, decide_samples=3)
    return {
        "press_to_bid_ms_p50": chosen["to_bid_p50"], "press_to_bid_ms_p99": chosen["to_bid_p99"], "press_to_result_ms_p99": chosen["to_result_p99"],
        "hall_vs_online_arrival_ms_p99": chosen["to_bid_p99"] - (online_p99 + parity_ms),
        "hall_vs_online_wire_ms_p99": chosen["to_bid_p99"] - online_p99, "parity_ms": parity_ms,
        "parity_ms_measured": chosen["to_bid_p50"] - online_p50,
        "hall_decided_vs_online_ms_p99": chosen["decided_to_wire_p99"] - online_p99,
        "online_arrival_ms_p99": online_p99, "press_tier_accuracy": chosen["tier_accuracy"],
        "sample_period_ms": chosen["period"], "presses": rounds,
        "three_sample_press_to_bid_ms_p99": careful["to_bid_p99"], "three_sample_press_tier_accuracy": careful["tier_accuracy"],
        "press_to_pixels_ms_p99": chosen["to_pixels_p99"], "presses_seen_on_screen": chosen["pixels_seen"],
        "hx711_resets_per_1000_reads": chosen["resets_per_1000_reads"],
        **render_times(),
    }


def render_times(frames: int = 120) -> dict[str, float]:
    """Drawing time alone, with views that change every frame (as during bidding)."""
    from edge import screens
    from edge.screens import pygame
    config = load()
    paddles = {n: PaddleState(n) for n in range(11, 19)}
    state = HallState("bench", "hall1", paddles, link_up=True)
    main_surface, paddle_surface = pygame.Surface((1920, 1080)), pygame.Surface((320, 240))
    main_ms, paddle_ms = [], []
    for frame in range(frames):
        amount = 80_000 + frame * 5_000
        state.lot = messages.LotState("bench", "1", "Hong Kong 1941 $1 proof", "english", "open", "HKD", amount + 5_000, amount,
                                      messages.Leader("hall", f"Paddle {11 + frame % 8} · Bidder", paddle=11 + frame % 8), frame, frame > 20, frame,
                                      estimate_low=100_000, estimate_high=150_000, description="King George VI", image="lot1.jpg",
                                      online_bidders=frame % 5, online_avatars=("avatars/alice.png",))
        for number, paddle in paddles.items():
            paddle.force, paddle.pressed = (frame * 97 + number * 31) % 7_500, (frame + number) % 3 == 0
            paddle.bids = [BidRecord(f"b{frame}", "1", amount, 0, 0, 0, "accepted")] if number == 11 + frame % 8 else []
        views = all_views(state, {n: f"Holder {n}" for n in paddles}, [], config.press, frozenset(), 0.0, 0)
        start = time.perf_counter()
        screens.draw_main(main_surface, views.main, config.display.media)
        main_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        for view in views.paddles.values():
            screens.draw_paddle(paddle_surface, view, config.display.media)
        paddle_ms.append((time.perf_counter() - start) * 1000)
    return {"render_main_ms_p99": percentile(main_ms, 99), "render_paddle_ms_p99": percentile(paddle_ms, 99)}
