"""online_fanout_ms_p99: a lot state change -> received by every one of `online_bidders` subscribers.

Subscribers run in 4 processes (paho's select() loop keeps each under ~300 sockets); each records,
per lot-state seq, when its LAST client received it, on the system-wide monotonic clock. A change is
made by one accepted bid; its fan-out time is the last receipt anywhere minus the bid's publish.
"""
from __future__ import annotations

import json
import multiprocessing
import time
from typing import Any

from bench.drill import until
from cloud.broker import Broker
from shared import messages, topics
from shared.messages import encode
from shared.mqtt import connect_and_wait, make_client


def subscribers(host: str, port: int, sale: str, first: int, count: int, ready: Any, seconds: float) -> dict[int, float]:
    latest: dict[int, float] = {}
    subscribed: set[int] = set()
    clients = []
    for index in range(first, first + count):
        client = make_client(f"fan-{index}")

        def on_message(c: Any, u: Any, m: Any) -> None:
            seq = json.loads(m.payload)["seq"]
            latest[seq] = max(latest.get(seq, 0.0), time.monotonic())

        client.on_message = on_message
        client.on_connect = lambda c, u, f, r, p: c.subscribe(topics.LOT_STATE.format(sale=sale), 1)
        client.on_subscribe = lambda c, u, mid, codes, p, i=index: subscribed.add(i)
        client.connect(host, port, keepalive=60)
        clients.append(client)
    deadline = time.monotonic() + 60
    while len(subscribed) < count and time.monotonic() < deadline:   # CONNACK and SUBACK for everyone
        for client in clients:
            client.loop(timeout=0)
    ready.release()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for client in clients:
            client.loop(timeout=0)
    for client in clients:
        client.disconnect()
    return latest


def fanout(broker: Broker, sale: str, lot: str, accounts: tuple[str, str], online_bidders: int = 500,
           changes: int = 20, processes: int = 4) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    share = online_bidders // processes
    with context.Manager() as manager, context.Pool(processes) as pool:
        ready = manager.Semaphore(0)
        waiting = pool.starmap_async(subscribers, [(broker.host, broker.port, sale, i * share, share, ready, 8.0 + changes * 0.1)
                                                   for i in range(processes)])
        for _ in range(processes):
            ready.acquire(timeout=60)
        time.sleep(0.5)
        results: dict[str, dict[str, Any]] = {}
        asking: list[int] = []

        def on_message(c: Any, u: Any, m: Any) -> None:
            body = json.loads(m.payload)
            if body.get("type") == "lot_state":
                asking.append(body["asking"])
            else:
                results[body["bid_id"]] = body

        client = make_client()
        client.on_message = on_message
        connect_and_wait(client, broker.host, broker.port)
        client.subscribe([(topics.BIDDER_RESULT.format(account=a), 1) for a in accounts] + [(topics.LOT_STATE.format(sale=sale), 1)])
        until(lambda: asking, timeout=10)
        published: dict[int, float] = {}
        for index in range(changes):
            bid_id = f"fanout-{index}"
            sent = time.monotonic()
            body = messages.Bid(bid_id=bid_id, lot=lot, amount=asking[-1], currency="HKD")
            client.publish(topics.BIDDER_BID.format(account=accounts[index % 2]), encode(body), qos=1)
            until(lambda: bid_id in results, timeout=10)
            if results[bid_id].get("status") != "accepted":
                raise RuntimeError(f"fan-out bid refused: {results[bid_id]}")
            published[results[bid_id]["seq"]] = sent
            until(lambda: asking[-1] > body.amount, timeout=10)
            time.sleep(0.1)
        client.disconnect()
        client.loop_stop()
        received = waiting.get(timeout=120)
    spans = [(max(r.get(seq, float("inf")) for r in received) - sent) * 1000 for seq, sent in published.items()]
    ordered = sorted(spans)
    return {"online_fanout_ms_p50": ordered[len(ordered) // 2], "online_fanout_ms_p99": ordered[-1],
            "online_bidders": online_bidders, "fanout_changes": changes}
