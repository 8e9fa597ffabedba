"""The exchange through the real arbiter: orders in, answers out, each order durable before its answer.

One private Mosquitto and the arbiter as its own process (SQLite journal at synchronous=FULL), with
the plain-paho baselines measured in the same run, through the same broker, as bench/__main__.py does:
  raw_rtt_ms_p99, raw_qos1_msgs_per_s     plain paho QoS 1: echo round trip, one-way rate
  order_to_ack_ms_p50/p99                 an order published, its answer received; in sequence, half of
                                          them resting sells and half buys crossing them (a fill each)
  orders_per_s                            a stream published at once: resting sells, crossing buys and
                                          resting buys below the market, every one answered "ok"
Targets (issue 13): orders_per_s >= 0.5 * raw_qos1_msgs_per_s, order_to_ack_ms_p99 <= 5 * raw_rtt_ms_p99.
--resume JOURNAL: the arbiter resumes a copy of that SQLite journal (one `bench.kernel`'s build made, say)
instead of a new house: the same figures on a house carrying years of state.

    python -m bench.market [--orders N] [--flood N] [--resume JOURNAL]
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.clients import BENCH_PIN, Peer, percentile, start_arbiter, stop_arbiter, unlock
from cloud.broker import Broker
from cloud.pins import hash_pin
from shared import backoffice as bo, market as mk, messages, topics

KIND = "bench-kind"
PRICE = 100_000
TRADERS = ("alice", "bob")


def order_payload(index: int, tag: str) -> tuple[str, bytes]:
    """Every third order a resting buy below the market; otherwise bob's resting sell, then alice's buy crossing it."""
    if index % 3 == 2:
        account, side, price = "alice", "buy", PRICE - 1_000 - index % 50
    else:
        account, side, price = ("bob", "sell", PRICE) if index % 3 == 0 else ("alice", "buy", PRICE)
    body = mk.Order(order_id=f"{tag}-{index}", kind=KIND, side=side, quantity=1, price=price, currency="HKD")
    return topics.BIDDER_ORDER.format(account=account), messages.encode(body)


def stock(broker: Broker, units: int) -> None:
    """The bench kind defined, and both traders given money and units through the house desk."""
    desk = Peer(broker, topics.HOUSE_RESULT.format())
    spec = bo.KindSpec(kind=KIND, category="stamps", name="bench kind", grade=bo.Grade("stamp", "VF"), issue_year=2026)
    sent: list[messages.Message] = [bo.CatalogCommand(command_id="k", action="define_kind", kind=spec)]
    for n, account in enumerate(TRADERS):
        sent.append(bo.LedgerCommand(command_id=f"d{n}", action="deposit", account=account, amount=10**13, currency="HKD",
                                     reference=f"BENCH-{n}"))
        sent.append(bo.CustodyCommand(command_id=f"c{n}", action="deposit", item=f"bundle-{account}", account=account, kind=KIND,
                                      quantity=units))
    for message in sent:
        topic = topics.HOUSE_CUSTODY if isinstance(message, (bo.CatalogCommand, bo.CustodyCommand)) else topics.HOUSE_LEDGER
        desk.client.publish(topic.format(), messages.encode(message), qos=1)
        if desk.next(command_id=message.command_id)["status"] != "ok":
            raise RuntimeError(f"the bench house refused {message}")
    desk.close()


def order_rtt(broker: Broker, count: int) -> list[float]:
    client = Peer(broker, topics.BIDDER_RESULT.filter())
    samples = []
    for i in range(count):
        topic, payload = _alternating(i)
        start = time.perf_counter()
        client.client.publish(topic, payload, qos=1)
        answer = client.next(type="order_result")
        samples.append((time.perf_counter() - start) * 1000)
        if answer["status"] != "ok":
            raise RuntimeError(f"bench order refused: {answer}")
    client.close()
    return samples


def _alternating(index: int) -> tuple[str, bytes]:
    """A resting sell, then a buy that fills it, and so on: every other order is a fill."""
    account, side = ("bob", "sell") if index % 2 == 0 else ("alice", "buy")
    body = mk.Order(order_id=f"seq-{index}", kind=KIND, side=side, quantity=1, price=PRICE, currency="HKD")
    return topics.BIDDER_ORDER.format(account=account), messages.encode(body)


def order_rate(broker: Broker, count: int) -> tuple[float, int]:
    client = Peer(broker, topics.BIDDER_RESULT.filter())
    payloads = [order_payload(i, "flood") for i in range(count)]
    start = time.perf_counter()
    for topic, payload in payloads:
        client.client.publish(topic, payload, qos=1)
    answered = sum(client.next(timeout=60, type="order_result")["status"] == "ok" for _ in range(count))
    elapsed = time.perf_counter() - start
    client.close()
    return count / elapsed, answered


def figures(orders: int = 1000, flood: int = 10_000, resume: Path | None = None) -> dict[str, Any]:
    from bench.__main__ import BENCH_SALE, raw_qos1_rate, raw_rtt      # the baselines, measured the same way
    with tempfile.TemporaryDirectory(prefix="hall-bench-market-") as tmp:
        work = Path(tmp)
        config = work / "bench.toml"
        config.write_text(BENCH_SALE.format(pin_hash=hash_pin(BENCH_PIN)))
        if resume:
            shutil.copyfile(resume, work / "journal.sqlite3")
        with Broker(work / "broker") as broker:
            arbiter = start_arbiter("cloud", config, broker, work / "journal.sqlite3", *(() if resume else ("--new",)))
            try:
                unlock(broker, TRADERS)
                stock(broker, orders + flood)
                raw = raw_rtt(broker, orders)
                acks = order_rtt(broker, orders)
                raw_rate = raw_qos1_rate(broker, flood)
                rate, answered = order_rate(broker, flood)
            finally:
                stop_arbiter(arbiter)
    out: dict[str, Any] = {
        "raw_rtt_ms_p99": percentile(raw, 99), "order_to_ack_ms_p50": percentile(acks, 50), "order_to_ack_ms_p99": percentile(acks, 99),
        "raw_qos1_msgs_per_s": raw_rate, "orders_per_s": rate, "orders_answered_ok": answered, "orders_in_flood": flood,
    }
    out = {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}
    out["targets"] = {
        "orders_per_s >= 0.5 * raw_qos1_msgs_per_s": out["orders_per_s"] >= 0.5 * out["raw_qos1_msgs_per_s"],
        "order_to_ack_ms_p99 <= 5 * raw_rtt_ms_p99": out["order_to_ack_ms_p99"] <= 5 * out["raw_rtt_ms_p99"],
        "every flood order answered ok": answered == flood,
    }
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.market", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1000, help="orders in sequence for the latency figures")
    parser.add_argument("--flood", type=int, default=10_000, help="orders published at once for the rate figures")
    parser.add_argument("--resume", type=Path, help="a SQLite journal whose house the arbiter resumes (a copy of it)")
    args = parser.parse_args(argv)
    print(json.dumps(figures(args.orders, args.flood, args.resume), indent=2))


if __name__ == "__main__":
    main()
