"""Shared fixtures: a private Mosquitto on a free port, and MQTT clients that wait on events, not sleeps."""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cloud.broker import Broker
from shared.mqtt import connect_and_wait, make_client

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """One broker per test: persistent sessions and retained state never leak between tests."""
    with Broker(tmp_path / "broker") as running:
        yield running


def _body(payload: bytes) -> dict[str, Any]:
    """JSON messages as dicts; anything else (Mosquitto's bridge notifications) as {"raw": text}."""
    try:
        body = json.loads(payload)
    except ValueError:
        return {"raw": payload.decode(errors="replace")}
    return body if isinstance(body, dict) else {"raw": payload.decode(errors="replace")}


class Listener:
    """A test MQTT client: subscribes, collects decoded messages, and waits for a matching one."""

    def __init__(self, broker: Broker, *filters: str, client_id: str = ""):
        self.inbox: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self.backlog: list[tuple[str, dict[str, Any]]] = []
        self.client = make_client(client_id)
        self.client.on_message = lambda c, u, m: self.inbox.put((m.topic, _body(m.payload)))
        connect_and_wait(self.client, broker.host, broker.port)
        for f in filters:
            self.client.subscribe(f, 1)
        time.sleep(0.05)  # SUBACK round trip on loopback

    def publish(self, topic: str, payload: bytes | str) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def expect(self, timeout: float = 5.0, **match: Any) -> dict[str, Any]:
        """The oldest message whose fields equal `match`; others are kept for later calls."""
        matches = lambda body: all(body.get(k) == v for k, v in match.items())  # noqa: E731
        for index, (topic, body) in enumerate(self.backlog):
            if matches(body):
                del self.backlog[index]
                return body | {"_topic": topic}
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no message matching {match} within {timeout} s")
            try:
                topic, body = self.inbox.get(timeout=remaining)
            except queue.Empty:
                continue
            if matches(body):
                return body | {"_topic": topic}
            self.backlog.append((topic, body))

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def listen(broker: Broker) -> Iterator[Any]:
    made: list[Listener] = []

    def factory(*filters: str, client_id: str = "") -> Listener:
        made.append(Listener(broker, *filters, client_id=client_id))
        return made[-1]

    yield factory
    for listener in made:
        listener.close()


class ArbiterProcess:
    """The real arbiter as a separate process (so a test can SIGKILL it)."""

    def __init__(self, broker: Broker, journal: Path, config: Path | None = None):
        self.journal = journal
        self.args = [sys.executable, "-m", "cloud", "--journal", str(journal), "--port", str(broker.port)]
        if config:
            self.args += ["--config", str(config)]
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> "ArbiterProcess":
        """Start the house: a new one the first time (no journal yet), resumed ever after."""
        env = os.environ | {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        new = [] if self.journal.exists() else ["--new"]
        self.proc = subprocess.Popen(self.args + new, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("arbiter ready"):
                return self
        raise RuntimeError(f"arbiter did not start (exit {self.proc.wait()})")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.terminate()
            self.proc.wait(timeout=10)


def give_pins(broker: Broker, pins: dict[str, str]) -> None:
    """The demo's online bidders give their trade PINs, so their bids count (tests/integration/test_accounts.py
    checks what happens without)."""
    from shared import messages, topics
    listener = Listener(broker, topics.BIDDER_RESULT.filter())
    for account, pin in pins.items():
        listener.publish(topics.BIDDER_PIN.format(account=account), messages.encode(messages.Pin(pin=pin)))
        assert listener.expect(type="session")["unlocked"]
    listener.close()


@pytest.fixture
def arbiter(broker: Broker, tmp_path: Path) -> Iterator[ArbiterProcess]:
    from bench.demo import DEMO_PINS
    process = ArbiterProcess(broker, tmp_path / "journal.sqlite3").start()
    try:                                  # a set-up that fails must not leave the arbiter running
        give_pins(broker, DEMO_PINS)
        yield process
    finally:
        process.stop()


def journal_sale(journal: Path) -> Any:
    """The (only) sale in the house a journal describes, rebuilt from it."""
    from cloud.core.domain import sale_state
    from cloud.domains import read_house
    house = read_house(journal)
    (sale,) = house["auction"].sales
    return sale_state(house, sale)
