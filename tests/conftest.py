"""Shared fixtures: a private broker on free ports, and MQTT clients that wait on events, not sleeps.

The broker is Mosquitto. A test marked `nats` runs on the 3-node NATS cluster too, its arbiter
journaling to PostgreSQL: the `broker_kind` fixture is parametrised (the `nats` case is marked
`cluster`, so `./hall test --cluster` runs it and plain `./hall test` skips it, saying so)."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cloud.broker import Broker, Secured
from cloud.config import Config
from cloud.domains import house_codec, new_house
from cloud.kernel.pgstore import PgJournal
from cloud.nats import NatsCluster
from cloud.postgres import Postgres
from shared.mqtt import connect_and_wait, make_client, subscribe_and_wait

ROOT = Path(__file__).resolve().parents[1]
ON_CLUSTER = os.environ.get("HALL_CLUSTER") == "1"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Both brokers for a test marked `nats`; Mosquitto alone for the rest.
    A `nats_gap(reason)` test is expected to fail on the cluster, strictly (closing the gap says so)
    unless the gap is a race the test may win (`strict=False`)."""
    marked = metafunc.definition.get_closest_marker
    if "broker_kind" in metafunc.fixturenames and marked("nats"):
        marks = [pytest.mark.cluster]
        if not ON_CLUSTER:
            marks.append(pytest.mark.skip(reason="the NATS cluster: ./hall test --cluster runs these"))
        if gap := marked("nats_gap"):
            marks.append(pytest.mark.xfail(strict=gap.kwargs.get("strict", True), reason=f"on NATS: {gap.args[0]}"))
        metafunc.parametrize("broker_kind", ["mosquitto", pytest.param("nats", marks=marks)], indirect=True)


@pytest.fixture
def broker_kind(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "mosquitto")


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One private PostgreSQL per session (started by the first test that asks); a house per test keeps tests apart."""
    with Postgres() as server:
        yield server


@dataclass
class ClusterBroker(NatsCluster):
    """The NATS cluster as a test's broker, with the PostgreSQL server its arbiters journal to."""
    journal_dsn: str = ""


@contextlib.contextmanager
def private_broker(kind: str, request: pytest.FixtureRequest, folder: Path, secured: Secured | None = None) -> Iterator[Broker | ClusterBroker]:
    """A broker of `kind` (a test's `broker_kind`), started in `folder` and stopped afterwards."""
    if kind == "nats":
        with ClusterBroker(folder, secured=secured, journal_dsn=request.getfixturevalue("postgres").dsn) as cluster:
            yield cluster
    else:
        with Broker(folder, secured=secured) as running:
            yield running


@pytest.fixture
def broker(broker_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Broker | ClusterBroker]:
    """One broker per test: persistent sessions and retained state never leak between tests."""
    with private_broker(broker_kind, request, tmp_path / "broker") as running:
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
        if filters:
            granted = subscribe_and_wait(self.client, [(f, 1) for f in filters])
            assert 128 not in granted, f"the broker refused a subscription: {dict(zip(filters, granted))}"

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


def journal_location(broker: Broker | ClusterBroker, journal: Path) -> str:
    """Where the arbiter journals: the SQLite file itself beside Mosquitto; beside the cluster, a
    house of its own (named after the file) in the cluster's PostgreSQL."""
    if isinstance(broker, ClusterBroker):
        return f"{broker.journal_dsn}#h{hashlib.sha1(str(journal).encode()).hexdigest()[:16]}"
    return str(journal)


def awaited_line(proc: subprocess.Popen[str], prefix: str, timeout_s: float = 60.0) -> str:
    """The first line `proc` prints that starts with `prefix`. A process that never says it (a hall box
    whose link never comes up retries for ever) fails the test with what it did say, instead of hanging
    the suite; its later output is read and dropped, so a full pipe never stops it."""
    assert proc.stdout is not None
    lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()

    def read(stdout: Any) -> None:
        for line in stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, args=(proc.stdout,), daemon=True).start()
    said: list[str] = []
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        if line.startswith(prefix):
            return line
        said.append(line)
    raise AssertionError(f"no line starting {prefix!r} within {timeout_s:.0f} s (exit {proc.poll()}); it said:\n{''.join(said[-60:])}")


class ArbiterProcess:
    """The real arbiter as a separate process (so a test can SIGKILL it). `journal` is the SQLite file
    a test reads once the arbiter stopped: for a house in PostgreSQL, a copy made when it stops."""

    def __init__(self, broker: Broker | ClusterBroker, journal: Path, config: Path | None = None):
        self.journal, self.location = journal, journal_location(broker, journal)
        self.created = journal.exists()
        self.args = [sys.executable, "-m", "cloud", "--journal", self.location, "--port", str(broker.port)]
        if config:
            self.args += ["--config", str(config)]
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> "ArbiterProcess":
        """Start the house: a new one the first time (no journal yet), resumed ever after."""
        env = os.environ | {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        new = [] if self.created else ["--new"]
        self.created = True
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
        if not self.alive():
            return
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(timeout=10)
        if self.location != str(self.journal):
            self.journal.unlink(missing_ok=True)
            reader = PgJournal.resume(self.location, house_codec(new_house(Config())), lease=False)
            try:
                reader.backup(self.journal)
            finally:
                reader.close()


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
