"""What every bench phase shares: percentiles, a collecting MQTT client, the auctioneer's commands,
the bench bidders' PIN, and an arbiter process to measure."""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from cloud.broker import Broker
from shared import messages, topics
from shared.messages import encode
from shared.mqtt import connect_and_wait, make_client, subscribe_and_wait

ROOT = Path(__file__).resolve().parent.parent
BENCH_PIN = "1111"


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Peer:
    """A bench client: publishes, and hands every received payload to a queue."""

    def __init__(self, broker: Broker, *filters: str):
        self.received: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self.client = make_client()
        self.client.on_message = lambda c, u, m: self.received.put(m.payload)
        connect_and_wait(self.client, broker.host, broker.port)
        if filters:
            subscribe_and_wait(self.client, [(f, 1) for f in filters])

    def next(self, timeout: float = 10, **match: Any) -> dict[str, Any]:
        """The next received message whose fields equal `match` (others are dropped)."""
        while True:
            body = json.loads(self.received.get(timeout=timeout))
            if all(body.get(k) == v for k, v in match.items()):
                return body

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def command(peer: Peer, hall: str, action: str, **fields: Any) -> None:
    cid = f"{action}-{time.monotonic_ns()}"
    peer.client.publish(topics.HALL_COMMAND.format(hall=hall), encode(messages.Command(command_id=cid, action=action, **fields)), qos=1)
    peer.next(command_id=cid)


def unlock(broker: Broker, accounts: tuple[str, ...]) -> None:
    """Give each bench bidder's trade PIN once: the session then stays unlocked for the whole run."""
    peer = Peer(broker, topics.BIDDER_RESULT.filter())
    for account in accounts:
        peer.client.publish(topics.BIDDER_PIN.format(account=account), encode(messages.Pin(pin=BENCH_PIN)), qos=1)
        if not json.loads(peer.received.get(timeout=10)).get("unlocked"):
            raise RuntimeError(f"the bench PIN of {account} was refused")
    peer.close()


def start_arbiter(module: str, config: Path, broker: Broker, journal: Path, *extra: str) -> subprocess.Popen[str]:
    """An arbiter process (`-m cloud`, or the bench's own composition), returned once it serves."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    arbiter = subprocess.Popen([sys.executable, "-m", module, "--config", str(config), "--port", str(broker.port),
                                "--journal", str(journal), *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
    if not (arbiter.stdout and arbiter.stdout.readline().startswith("arbiter ready")):
        arbiter.kill()
        raise RuntimeError(f"the arbiter ({module}) did not start: run it by hand to see why")
    return arbiter


def stop_arbiter(arbiter: subprocess.Popen[str]) -> None:
    arbiter.terminate()
    arbiter.wait(timeout=10)
