"""The market data's figures.

  valuation_update_ms_p99  one trade through the read model: recorded, the figures updated, the kind
                           re-valued (window of 50 trades) and its series' estimates redrawn, in-process
  market_fanout_ms_p99     a trade -> its kind's retained market message received by every one of
                           `subscribers` clients of that topic (the buy order's publish to the last receipt)

Run alone (`python -m bench.marketdata`) it starts its own broker and arbiter; `figures_on` measures
the fan-out on a running arbiter whose two accounts gave their trade PINs (as ./hall bench has).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.clients import BENCH_PIN, Peer, percentile, start_arbiter, stop_arbiter, unlock
from cloud.broker import Broker
from cloud.custody.events import KindDefined
from cloud.house import HouseDesk
from cloud.pins import hash_pin
from cloud.market.events import Traded
from cloud.marketdata import state as md
from cloud.marketdata.valuation import ValuationRules
from shared import backoffice as bo, market as mk, messages, topics
from shared.config import BrokerConfig
from shared.mqtt import make_client

KIND = "bench-dragon-ms65"
SPEC = bo.KindSpec(kind=KIND, category="precious_metal_coins", name="Bench Dragon", grade=bo.Grade("sheldon", "MS-65"),
                   issue_year=1988, issuer="Hong Kong")
PRICE = 100_000


def valuation_update(trades: int = 2_000, history: int = 500) -> dict[str, float]:
    """Time to apply one fill to the read model of a kind with `history` trades, in a series of five grades."""
    state = md.MarketDataState(rules=ValuationRules())
    for grade in ("MS-60", "MS-63", "MS-65", "MS-67", "MS-70"):
        md.apply(KindDefined(dataclasses.replace(SPEC, kind=f"bench-{grade}", grade=bo.Grade("sheldon", grade))), state)
    fill = lambda n, kind: Traded(kind, "buy", "a/1", "b/1", 1 + n % 3, PRICE + n % 7 * 100, 0, 0, "", "", n, n * 1_000)  # noqa: E731
    for n in range(history):
        md.apply(fill(n, "bench-MS-60" if n % 2 else "bench-MS-70"), state)
    samples = []
    for n in range(history, history + trades):
        event = fill(n, "bench-MS-60")
        started = time.perf_counter()
        md.apply(event, state)
        samples.append((time.perf_counter() - started) * 1000)
    return {"valuation_update_ms_p50": percentile(samples, 50), "valuation_update_ms_p99": percentile(samples, 99)}


def subscribers(host: str, port: int, topic: str, first: int, count: int, ready: Any, trades: int) -> dict[int, float]:
    """`count` clients of `topic`; per all-time trade count, when the LAST of them received it (monotonic).
    They listen until every client has heard the `trades`-th trade (or two minutes pass)."""
    heard: dict[int, int] = {}
    latest: dict[int, float] = {}
    subscribed: set[int] = set()
    clients = []
    for index in range(first, first + count):
        client = make_client(f"kind-fan-{index}")

        def on_message(c: Any, u: Any, m: Any) -> None:
            number = json.loads(m.payload)["windows"][0]["trades"]
            latest[number] = max(latest.get(number, 0.0), time.monotonic())
            heard[number] = heard.get(number, 0) + 1

        client.on_message = on_message
        client.on_connect = lambda c, u, f, r, p: c.subscribe(topic, 1)
        client.on_subscribe = lambda c, u, mid, codes, p, i=index: subscribed.add(i)
        client.connect(host, port, keepalive=60)
        clients.append(client)
    deadline = time.monotonic() + 60
    while len(subscribed) < count and time.monotonic() < deadline:
        for client in clients:
            client.loop(timeout=0)
    ready.release()
    end = time.monotonic() + 120
    while heard.get(trades, 0) < count and time.monotonic() < end:
        for client in clients:
            client.loop(timeout=0)
    for client in clients:
        client.disconnect()
    return latest


def prepare(broker: Broker, seller: str, buyer: str) -> None:
    """The bench kind defined, the buyer's money and the seller's units in (through the house desk)."""
    desk = HouseDesk(BrokerConfig(host=broker.host, port=broker.port))
    try:
        for command, topic in ((bo.CatalogCommand(command_id="bench-kind", action="define_kind", kind=SPEC), topics.HOUSE_CUSTODY),
                               (bo.LedgerCommand(command_id="bench-cash", action="deposit", account=buyer, amount=10**10,
                                                 currency="HKD", reference="BENCH-WIRE"), topics.HOUSE_LEDGER),
                               (bo.CustodyCommand(command_id="bench-units", action="deposit", item="bench-bundle", account=seller,
                                                  kind=KIND, quantity=100_000), topics.HOUSE_CUSTODY)):
            answer = desk.send(command, topic=topic)
            if answer.get("status") != "ok":
                raise RuntimeError(f"bench set-up refused: {answer}")
    finally:
        desk.close()


def figures_on(broker: Broker, seller: str, buyer: str, count: int = 500, trades: int = 20, processes: int = 4) -> dict[str, Any]:
    prepare(broker, seller, buyer)
    topic = topics.KIND_MARKET.format(kind=KIND)
    context = multiprocessing.get_context("spawn")
    share = count // processes
    with context.Manager() as manager, context.Pool(processes) as pool:
        ready = manager.Semaphore(0)
        waiting = pool.starmap_async(subscribers, [(broker.host, broker.port, topic, i * share, share, ready, trades)
                                                   for i in range(processes)])
        for _ in range(processes):
            ready.acquire(timeout=60)
        time.sleep(0.5)
        peer = Peer(broker, topics.BIDDER_RESULT.filter(), topic)
        sent: dict[int, float] = {}
        for n in range(1, trades + 1):
            for account, side in ((seller, "sell"), (buyer, "buy")):
                order = mk.Order(order_id=f"bench-{side}-{n}", kind=KIND, side=side, quantity=1, price=PRICE, currency="HKD")
                if side == "buy":
                    sent[n] = time.monotonic()
                peer.client.publish(topics.BIDDER_ORDER.format(account=account), messages.encode(order), qos=1)
                answer = peer.next(type="order_result", ref=order.order_id)
                if answer["status"] != "ok":
                    raise RuntimeError(f"bench order refused: {answer}")
            peer.next(type="kind_market")
            time.sleep(0.1)
        peer.close()
        received = waiting.get(timeout=180)
    spans = sorted((max(r.get(n, float("inf")) for r in received) - at) * 1000 for n, at in sent.items())
    return {"market_fanout_ms_p50": spans[len(spans) // 2], "market_fanout_ms_p99": spans[-1],
            "market_subscribers": share * processes, "market_fanout_trades": trades}


def figures(count: int = 500, trades: int = 20) -> dict[str, Any]:
    """Both figures, on a broker and an arbiter of their own (./hall bench's sale and PINs)."""
    from bench.__main__ import BENCH_SALE
    with tempfile.TemporaryDirectory(prefix="hall-marketdata-") as tmp, Broker(Path(tmp) / "broker") as broker:
        config = Path(tmp) / "bench.toml"
        config.write_text(BENCH_SALE.format(pin_hash=hash_pin(BENCH_PIN)))
        arbiter = start_arbiter("cloud", config, broker, Path(tmp) / "journal.sqlite3", "--new")
        try:
            unlock(broker, ("alice", "bob"))
            spread = figures_on(broker, "alice", "bob", count, trades)
        finally:
            stop_arbiter(arbiter)
    return {**valuation_update(), **spread}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.marketdata", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--trades", type=int, default=20)
    args = parser.parse_args(argv)
    found = figures(args.subscribers, args.trades)
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in found.items()}, indent=2))


if __name__ == "__main__":
    main()
