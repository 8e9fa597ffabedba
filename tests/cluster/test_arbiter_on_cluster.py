"""The real arbiter, its journal in PostgreSQL, behind the secured NATS cluster (TLS, logins, the
ACL translated from Mosquitto's): a bidder on another node bids and reads its own result; another
bidder never sees it; the journal holds the decision under the owner's epoch."""
from __future__ import annotations

import json
import os
import queue
import signal
import sys
import time

import psycopg
import pytest

from bench.cluster import ArbiterProcess
from bench.demo import DEMO_PINS
from cloud.broker import Secured
from cloud.nats import NatsCluster
from cloud.security import dev_ca
from shared import messages, topics
from shared.config import DEFAULT_FILE
from shared.messages import encode
from shared.mqtt import connect_and_wait, make_client, secure, subscribe_and_wait
from tests.conftest import ROOT

USERS = {"arbiter": "arbiter-secret", "house": "house-secret", "hall-hall1": "hall-secret", "alice": "alice-secret", "bob": "bob-secret"}


@pytest.fixture
def cloud(tmp_path):
    certs = dev_ca(tmp_path / "tls")
    with NatsCluster(tmp_path / "nats", secured=Secured(USERS, ("hall1",), certs)) as cluster:
        yield cluster


def bidder(cloud: NatsCluster, node: int, login: str) -> tuple[object, "queue.Queue[dict]"]:
    inbox: queue.Queue[dict] = queue.Queue()
    client = secure(make_client(login), login, USERS[login], str(cloud.secured.certs["ca.crt"]))
    client.on_message = lambda c, u, m: inbox.put(json.loads(m.payload) | {"_topic": m.topic})
    connect_and_wait(client, cloud.host, cloud.ports[node])
    assert subscribe_and_wait(client, [(topics.BIDDER_RESULT.format(account=login), 1)]) == [1]
    return client, inbox


def test_a_bid_through_the_secured_cluster_is_decided_journaled_and_answered_only_to_its_bidder(cloud, postgres, tmp_path):
    config = tmp_path / "sale.toml"
    config.write_text(DEFAULT_FILE.read_text().replace(
        "port = 1883\n", f'port = {cloud.port}\nusername = "arbiter"\npassword = "{USERS["arbiter"]}"\ncafile = "{cloud.secured.certs["ca.crt"]}"\n', 1))
    location = f"{postgres.dsn}#secured-{os.getpid()}-{time.monotonic_ns()}"
    env = os.environ | {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    arbiter = ArbiterProcess([sys.executable, "-m", "cloud", "--config", str(config), "--journal", location, "--new"], env, tmp_path / "arbiter.log")
    try:
        assert arbiter.ready.wait(60), (tmp_path / "arbiter.log").read_text()[-2000:]
        alice, alice_inbox = bidder(cloud, 1, "alice")
        bob, bob_inbox = bidder(cloud, 2, "bob")
        alice.publish(topics.BIDDER_PIN.format(account="alice"), encode(messages.Pin(pin=DEMO_PINS["alice"])), qos=1)
        unlocked = alice_inbox.get(timeout=15)       # "arbiter ready" comes once its subscriptions are granted
        assert unlocked.get("unlocked"), unlocked
        alice.publish(topics.BIDDER_BID.format(account="alice"), encode(messages.Bid(bid_id="secured-1", lot="1", amount=80_000, currency="HKD")), qos=1)
        answer = alice_inbox.get(timeout=15)
        assert answer["bid_id"] == "secured-1" and answer["_topic"] == topics.BIDDER_RESULT.format(account="alice")
        with pytest.raises(queue.Empty):
            bob_inbox.get(timeout=1.0)
        with psycopg.connect(postgres.dsn) as conn:
            rows = conn.execute("SELECT count(*) FROM journal WHERE house = %s AND command LIKE %s",
                                [location.split("#")[1], "%secured-1%"]).fetchone()[0]
        assert rows == 1
        for client in (alice, bob):
            client.disconnect()
            client.loop_stop()
    finally:
        arbiter.signal(signal.SIGTERM)
        arbiter.proc.wait(timeout=20)
