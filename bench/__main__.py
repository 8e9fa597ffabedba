"""./hall bench [--json FILE] [--bids N]: measure the arbiter against plain paho through one broker.

Figures (all from one run, one private Mosquitto, the arbiter as its own process with a real
SQLite journal at synchronous=FULL):
  raw_rtt_ms_p50/p99      plain paho QoS 1 echo through the broker (TCP_NODELAY): the baseline
  bid_to_result_ms_p50/99 publish a bid, wait for its result; N in sequence (the engine's own time: this
                          arbiter runs without the parity rule, whose deliberate hold of every online
                          bid is measured on its own as online_bid_to_result_ms_p99)
  raw_qos1_msgs_per_s     plain paho QoS 1 one-way: the baseline rate
  arbiter_bids_per_s      N bids published at once, every one accepted, durable before its result
  online_fanout_ms_*      a lot state change received by every one of 500 connected subscribers
  press_*, render_*       the hall box (bench/hall.py)
  hall_win_share_*, online_bid_to_result_ms_p99  the parity rule: simultaneous press and online bid
                          pairs through an arbiter with the bump, on a broker of their own (bench/parity.py)
  pin_check_ms_p50        one trade PIN check (scrypt); video_frame_ms_p99: one hall video frame
  replay_events_per_s, start_ms  the house's kernel over a journal of --kernel-events events (bench/kernel.py)
  the back office, each on a broker and an arbiter of its own with its own raw baselines (nested under
  "market", "settlement", "marketdata"; the headline figures also at the top level):
  orders_per_s, order_to_ack_ms_p99 (bench/market.py), settlements_per_s, ledger_transfers_per_s
  (bench/settlement.py), valuation_update_ms_p99, market_fanout_ms_p99 (bench/marketdata.py)
"""
from __future__ import annotations

import argparse
import json
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")   # the bench draws frames, it opens no window
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.clients import BENCH_PIN, Peer, command, percentile, start_arbiter, stop_arbiter, unlock
from bench.fanout import fanout
from bench.hall import figures as hall_figures
from bench.kernel import figures as kernel_figures
from bench.parity import figures as parity_figures
from cloud.broker import Broker
from cloud.parity import PARITY_MS
from cloud.pins import hash_pin, verify_pin
from shared import messages, topics
from shared.messages import encode

SALE, HALL = "bench", "hall1"
BENCH_SALE = """
[arbiter]
bids_per_s = 0
parity_ms = 0
[sale]
id = "bench"
hall = "hall1"
currency = "HKD"
[ladders.flat]
bands = [[0, [1]]]
[[lots]]
id = "latency"
title = "latency lot"
opening = 1
ladder = "flat"
[[lots]]
id = "throughput"
title = "throughput lot"
opening = 1
ladder = "flat"
[[lots]]
id = "presses"
title = "paddle presses"
opening = 1
ladder = "flat"
[[paddles]]
number = 11
name = "eleven"
[[paddles]]
number = 12
name = "twelve"
[[paddles]]
number = 13
name = "thirteen"
[[bidders]]
account = "alice"
handle = "alice"
pin_hash = "{pin_hash}"
[[bidders]]
account = "bob"
handle = "bob"
pin_hash = "{pin_hash}"
"""


def raw_rtt(broker: Broker, count: int) -> list[float]:
    echo = Peer(broker, "bench/ping")
    echo.client.on_message = lambda c, u, m: c.publish("bench/pong", m.payload, qos=1)
    caller = Peer(broker, "bench/pong")
    samples = []
    for i in range(count):
        start = time.perf_counter()
        caller.client.publish("bench/ping", str(i), qos=1)
        caller.received.get(timeout=5)
        samples.append((time.perf_counter() - start) * 1000)
    echo.close()
    caller.close()
    return samples


def raw_qos1_rate(broker: Broker, count: int) -> float:
    sink = Peer(broker, "bench/flood")
    source = Peer(broker)
    start = time.perf_counter()
    for i in range(count):
        source.client.publish("bench/flood", b"x" * 90, qos=1)
    for _ in range(count):
        sink.received.get(timeout=30)
    elapsed = time.perf_counter() - start
    sink.close()
    source.close()
    return count / elapsed


def bid_payload(lot: str, index: int) -> tuple[str, bytes]:
    account = "alice" if index % 2 else "bob"
    body = messages.Bid(bid_id=f"{lot}-{index}", lot=lot, amount=index * 100, currency="HKD")
    return topics.BIDDER_BID.format(account=account), encode(body)


def bid_rtt(broker: Broker, auctioneer: Peer, count: int) -> list[float]:
    command(auctioneer, HALL, "open_lot", lot="latency")
    client = Peer(broker, topics.BIDDER_RESULT.filter())
    samples = []
    for i in range(1, count + 1):
        topic, payload = bid_payload("latency", i)
        start = time.perf_counter()
        client.client.publish(topic, payload, qos=1)
        result = json.loads(client.received.get(timeout=10))
        samples.append((time.perf_counter() - start) * 1000)
        if result["status"] != "accepted":
            raise RuntimeError(f"bench bid refused: {result}")
    client.close()
    command(auctioneer, HALL, "hammer")
    return samples


def arbiter_rate(broker: Broker, auctioneer: Peer, count: int) -> tuple[float, int]:
    command(auctioneer, HALL, "open_lot", lot="throughput")
    client = Peer(broker, topics.BIDDER_RESULT.filter())
    payloads = [bid_payload("throughput", i) for i in range(1, count + 1)]
    start = time.perf_counter()
    for topic, payload in payloads:
        client.client.publish(topic, payload, qos=1)
    accepted = sum(json.loads(client.received.get(timeout=60))["status"] == "accepted" for _ in range(count))
    elapsed = time.perf_counter() - start
    client.close()
    return count / elapsed, accepted


def remote_costs(checks: int = 20, frames: int = 200) -> dict[str, float]:
    """What a remote bidder's session costs the cloud and the hall box: one trade PIN check (scrypt,
    on the arbiter's PIN worker) and one hall video frame (capture and JPEG, on the hall box)."""
    from edge.camera import SyntheticCamera, jpeg
    stored = hash_pin(BENCH_PIN)
    pins = []
    for _ in range(checks):
        start = time.perf_counter()
        verify_pin(BENCH_PIN, stored)
        pins.append((time.perf_counter() - start) * 1000)
    camera, encoded = SyntheticCamera((640, 360), lambda: "Lot 1: a bench lot"), []
    for _ in range(frames):
        start = time.perf_counter()
        jpeg(camera.capture())
        encoded.append((time.perf_counter() - start) * 1000)
    return {"pin_check_ms_p50": percentile(pins, 50), "video_frame_ms_p99": percentile(encoded, 99)}


def run(bids: int, flood: int, presses: int = 60, online_bidders: int = 500, pairs: int = 200,
        parity_ms: int = PARITY_MS, kernel_events: int = 1_000_000, backoffice: bool = True) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hall-bench-") as tmp:
        work = Path(tmp)
        config = work / "bench.toml"
        config.write_text(BENCH_SALE.format(pin_hash=hash_pin(BENCH_PIN)))
        with Broker(work / "broker") as broker:
            arbiter = start_arbiter("cloud", config, broker, work / "journal.sqlite3", "--new")
            try:
                unlock(broker, ("alice", "bob"))
                auctioneer = Peer(broker, topics.HALL_RESULT.format(hall=HALL))
                raw = raw_rtt(broker, bids)
                arbiter_samples = bid_rtt(broker, auctioneer, bids)
                raw_rate = raw_qos1_rate(broker, flood)
                rate, accepted = arbiter_rate(broker, auctioneer, flood)
                spread = fanout(broker, SALE, "throughput", ("alice", "bob"), online_bidders)
                command(auctioneer, HALL, "hammer")
                command(auctioneer, HALL, "open_lot", lot="presses")
                hall = hall_figures(broker, work, SALE, presses, parity_ms)
                auctioneer.close()
            finally:
                stop_arbiter(arbiter)
        parity = parity_figures(work, config, SALE, HALL, "presses", pairs, parity_ms)
    figures = {
        "raw_rtt_ms_p50": percentile(raw, 50), "raw_rtt_ms_p99": percentile(raw, 99),
        "bid_to_result_ms_p50": percentile(arbiter_samples, 50), "bid_to_result_ms_p99": percentile(arbiter_samples, 99),
        "raw_qos1_msgs_per_s": raw_rate, "arbiter_bids_per_s": rate,
        "arbiter_bids_accepted": accepted, "bids_in_sequence": bids, "bids_in_flood": flood, **spread, **hall, **parity, **remote_costs(),
        **kernel_figures(kernel_events),
    }
    figures = {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}
    figures["targets"] = {
        "bid_to_result_ms_p99 <= 5 * raw_rtt_ms_p99": figures["bid_to_result_ms_p99"] <= 5 * figures["raw_rtt_ms_p99"],
        "arbiter_bids_per_s >= 0.5 * raw_qos1_msgs_per_s": figures["arbiter_bids_per_s"] >= 0.5 * figures["raw_qos1_msgs_per_s"],
        "every flood bid accepted": accepted == flood,
        "press_to_bid_ms_p99 <= 2 * sample_period_ms + 2": figures["press_to_bid_ms_p99"] <= 2 * figures["sample_period_ms"] + 2,
        "hall_vs_online_arrival_ms_p99 <= sample_period_ms": figures["hall_vs_online_arrival_ms_p99"] <= figures["sample_period_ms"],
        "hall_decided_vs_online_ms_p99 <= sample_period_ms": figures["hall_decided_vs_online_ms_p99"] <= figures["sample_period_ms"],
        "press_to_pixels_ms_p99 <= 2 * sample_period_ms + 34": figures["press_to_pixels_ms_p99"] <= 2 * figures["sample_period_ms"] + 34,
        "0.4 <= hall_win_share_simultaneous <= 0.6": 0.4 <= figures["hall_win_share_simultaneous"] <= 0.6,
        "start_ms < 2000": figures["start_ms"] < 2000,
        "hx711_resets_per_1000_reads < 1": figures["hx711_resets_per_1000_reads"] < 1,
    }
    if backoffice:
        figures.update(backoffice_figures(figures["targets"]))
    figures["ratios"] = {
        "bid_p99_over_raw_p99": round(figures["bid_to_result_ms_p99"] / figures["raw_rtt_ms_p99"], 2),
        "arbiter_rate_over_raw_rate": round(figures["arbiter_bids_per_s"] / figures["raw_qos1_msgs_per_s"], 2),
    }
    return figures


def backoffice_figures(targets: dict[str, bool]) -> dict[str, Any]:
    """The exchange, settlement and market-data figures, each run with its own baselines (nested), the
    headline figures lifted to the top level and their targets added to `targets`."""
    from bench import market, marketdata, settlement       # they import this module's baselines
    nested = {"market": market.figures(), "settlement": settlement.figures(), "marketdata": marketdata.figures()}
    targets.update({f"market: {name}": met for name, met in nested["market"].pop("targets").items()})
    targets["settlement: ledger_transfers_per_s >= 0.5 * raw_qos1_msgs_per_s"] = \
        nested["settlement"].pop("ledger_transfers_per_s >= 0.5 * raw_qos1_msgs_per_s")
    headline = {"orders_per_s": nested["market"]["orders_per_s"], "order_to_ack_ms_p99": nested["market"]["order_to_ack_ms_p99"],
                "settlements_per_s": nested["settlement"]["settlements_per_s"],
                "ledger_transfers_per_s": nested["settlement"]["ledger_transfers_per_s"],
                "valuation_update_ms_p99": nested["marketdata"]["valuation_update_ms_p99"],
                "market_fanout_ms_p99": nested["marketdata"]["market_fanout_ms_p99"]}
    return {**headline, **nested}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--bids", type=int, default=2000, help="bids in sequence for the latency figures (>= 2000)")
    parser.add_argument("--flood", type=int, default=20000, help="bids published at once for the rate figures")
    parser.add_argument("--presses", type=int, default=60, help="simulated paddle presses for the hall figures")
    parser.add_argument("--online-bidders", type=int, default=500, help="connected subscribers for the fan-out figure")
    parser.add_argument("--pairs", type=int, default=200, help="simultaneous press and online bid pairs (>= 200)")
    parser.add_argument("--parity-ms", type=int, default=PARITY_MS, help="the parity rule's delay on online bids")
    parser.add_argument("--kernel-events", type=int, default=1_000_000, help="events in the journal the kernel figures start from")
    parser.add_argument("--no-backoffice", action="store_true", help="skip the exchange, settlement and market-data figures")
    args = parser.parse_args(argv)
    figures = run(args.bids, args.flood, args.presses, args.online_bidders, args.pairs, args.parity_ms, args.kernel_events,
                  not args.no_backoffice)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    if not all(figures["targets"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
