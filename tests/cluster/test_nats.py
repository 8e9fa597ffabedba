"""Our paho clients through the 3-node NATS cluster: QoS 1 and 2, retained messages, wills and
persistent sessions work across nodes; on a secured cluster (TLS, logins) the ACL holds as on
Mosquitto: bidders publish only their own topics and read only their own results, halls only
theirs, the house only its desk."""
from __future__ import annotations

import queue
import time
import uuid
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from cloud.broker import Secured
from cloud.nats import NatsCluster, acl_permissions, mqtt_to_subject
from cloud.security import acl, dev_ca
from shared import topics
from shared.mqtt import connect_and_wait, make_client, secure

USERS = {"arbiter": "arbiter-secret", "house": "house-secret", "hall-hall1": "hall-secret", "hall-hall2": "hall2-secret",
         "alice": "alice-secret", "bob": "bob-secret", "carol.hk": "carol-secret"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Any:
    with NatsCluster(tmp_path_factory.mktemp("nats")) as running:
        yield running


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> dict[str, Path]:
    return dev_ca(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def secured(tmp_path_factory, certs) -> Any:
    with NatsCluster(tmp_path_factory.mktemp("nats-secured"), secured=Secured(USERS, ("hall1", "hall2"), certs)) as running:
        yield running


class Client:
    """A paho client on one node that records what it receives and its SUBACK codes."""

    def __init__(self, cluster: NatsCluster, node: int, client_id: str = "", *, persistent: bool = False,
                 login: str = "", will: tuple[str, bytes] | None = None):
        self.inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.granted: queue.Queue[list[int]] = queue.Queue()
        self.client = make_client(client_id or uuid.uuid4().hex[:12], persistent=persistent, reconnect=False)
        self.client.on_message = lambda c, u, m: self.inbox.put(m)
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.granted.put([code.value for code in codes])
        if login:
            secure(self.client, login, USERS[login], str(cluster.secured.certs["ca.crt"]))
        if will:
            self.client.will_set(will[0], will[1], qos=1)
        connect_and_wait(self.client, cluster.host, cluster.ports[node])

    def subscribe(self, *filters: str, qos: int = 1) -> list[int]:
        self.client.subscribe([(f, qos) for f in filters])
        return self.granted.get(timeout=20)

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=qos, retain=retain).wait_for_publish(10)

    def received(self, count: int, timeout: float = 15) -> list[mqtt.MQTTMessage]:
        got, deadline = [], time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            try:
                got.append(self.inbox.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                break
        return got

    def quiet(self, seconds: float) -> list[mqtt.MQTTMessage]:
        time.sleep(seconds)
        return [self.inbox.get() for _ in range(self.inbox.qsize())]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_qos_1_and_2_cross_nodes_and_qos_2_arrives_exactly_once(cluster):
    subscriber = Client(cluster, 2)
    assert subscriber.subscribe("t/q2/#", qos=2) == [2] and subscriber.subscribe("t/q1/#", qos=1) == [1]
    publisher = Client(cluster, 0)
    for i in range(100):
        publisher.publish(f"t/q2/{i % 5}", str(i).encode(), qos=2)
        publisher.publish(f"t/q1/{i % 5}", str(i).encode(), qos=1)
    got = subscriber.received(200) + subscriber.quiet(1.0)
    exactly = sorted(int(m.payload) for m in got if m.topic.startswith("t/q2/"))
    at_least = {int(m.payload) for m in got if m.topic.startswith("t/q1/")}
    assert exactly == list(range(100)), "QoS 2: every message once"
    assert at_least == set(range(100)), "QoS 1: every message (order not relied on)"
    subscriber.close()
    publisher.close()


def test_retained_state_is_served_by_every_node_and_can_be_cleared(cluster):
    publisher = Client(cluster, 0)
    publisher.publish("t/retained/lot", b'{"lot":"1"}', retain=True)
    for node in (1, 2):
        reader = Client(cluster, node)
        reader.subscribe("t/retained/#")
        (message,) = reader.received(1)
        assert message.retain and message.payload == b'{"lot":"1"}'
        reader.close()
    publisher.publish("t/retained/lot", b"", retain=True)
    late = Client(cluster, 2)
    late.subscribe("t/retained/#")
    assert late.quiet(1.5) == []
    late.close()
    publisher.close()


def test_a_will_reaches_subscribers_on_another_node(cluster):
    watcher = Client(cluster, 1)
    watcher.subscribe("t/presence/#")
    dying = Client(cluster, 0, will=("t/presence/hall9", b'{"online":false}'))
    dying.client.socket().close()                       # the connection drops without a DISCONNECT
    (will,) = watcher.received(1, timeout=30)
    assert will.topic == "t/presence/hall9" and will.payload == b'{"online":false}'
    dying.client.loop_stop()
    watcher.close()


def test_a_persistent_session_keeps_its_messages_while_away_and_across_nodes(cluster):
    client_id = f"arbiter-{uuid.uuid4().hex[:6]}"
    first = Client(cluster, 1, client_id, persistent=True)
    first.subscribe("t/inbound/#")
    first.close()
    publisher = Client(cluster, 0)
    for i in range(20):
        publisher.publish("t/inbound/bid", str(i).encode())
    back = Client(cluster, 2, client_id, persistent=True)              # another node, the same session
    assert sorted(int(m.payload) for m in back.received(20)) == list(range(20))
    back.close()
    publisher.close()


def test_the_acl_is_translated_from_mosquittos_line_by_line():
    granted = acl_permissions(acl(["hall1"]), ["arbiter", "hall-hall1", "carol.hk"])
    publish, subscribe = granted["carol.hk"]
    assert "auction.bidder.carol//hk.bid" in publish
    assert mqtt_to_subject(topics.BIDDER_RESULT.format(account="carol.hk")) == "auction.arbiter.bidder.carol//hk.result"
    assert "auction.arbiter.bidder.carol//hk.result" in subscribe
    assert not any(s.startswith("auction.arbiter.sale") for s in publish)
    assert "auction.hall.hall1.>" in granted["hall-hall1"][0] and "auction.>" in granted["arbiter"][0]
    assert mqtt_to_subject(topics.LOT_STATE.filter()) == "auction.arbiter.sale.*.lot"


def delivered(arbiter: Client, publisher: Client, topic: str) -> bool:
    """Whether a publish reaches the arbiter (subscribed to everything) within 3 s."""
    try:
        publisher.publish(topic, b"probe")
    except (RuntimeError, ValueError):
        return False                                     # the broker closed the connection: refused
    return any(m.topic == topic for m in arbiter.received(1, timeout=3))


@pytest.mark.parametrize("login,topic,allowed", [
    ("alice", topics.BIDDER_BID.format(account="alice"), True),
    ("alice", topics.BIDDER_BID.format(account="bob"), False),
    ("alice", topics.LOT_STATE.format(sale="s1"), False),
    ("alice", topics.HALL_BID.format(hall="hall1"), False),
    ("alice", topics.HOUSE_ACCOUNT.format(), False),
    ("carol.hk", topics.BIDDER_BID.format(account="carol.hk"), True),
    ("carol.hk", topics.BIDDER_BID.format(account="carol"), False),
    ("hall-hall1", topics.HALL_BID.format(hall="hall1"), True),
    ("hall-hall1", topics.HALL_BID.format(hall="hall2"), False),
    ("hall-hall1", topics.HALL_RESULT.format(hall="hall1"), False),
    ("house", topics.HOUSE_ACCOUNT.format(), True),
    ("house", topics.BIDDER_BID.format(account="alice"), False),
    ("house", topics.LOT_STATE.format(sale="s1"), False),
])
def test_who_may_publish_where(secured, login, topic, allowed):
    arbiter = Client(secured, 2, login="arbiter")
    assert arbiter.subscribe("auction/#") == [1]
    publisher = Client(secured, 0, login=login)
    assert delivered(arbiter, publisher, topic) is allowed
    publisher.client.loop_stop()
    arbiter.close()


@pytest.mark.parametrize("login,filter_,allowed", [
    ("alice", topics.BIDDER_RESULT.format(account="alice"), True),
    ("alice", topics.LOT_STATE.format(sale="s1"), True),
    ("alice", topics.BIDDER_RESULT.format(account="bob"), False),
    ("alice", topics.BIDDER_RESULT.filter(), False),
    ("alice", topics.HALL_RESULT.format(hall="hall1"), False),
    ("alice", "auction/#", False),
    ("hall-hall1", topics.HALL_RESULT.format(hall="hall1"), True),
    ("hall-hall1", topics.HALL_RESULT.format(hall="hall2"), False),
    ("house", topics.HOUSE_RESULT.format(), True),
    ("house", topics.BIDDER_RESULT.format(account="alice"), False),
    ("arbiter", "auction/#", True),
])
def test_who_may_read_what(secured, login, filter_, allowed):
    reader = Client(secured, 1, login=login)
    assert (reader.subscribe(filter_) == [1]) is allowed
    reader.close()


def test_no_login_no_tls_and_a_wrong_password_are_refused(secured, certs):
    plain = make_client("nobody", reconnect=False)
    with pytest.raises(ConnectionError):
        connect_and_wait(plain, secured.host, secured.port, timeout=3)
    for password in ("wrong", ""):
        client = secure(make_client("intruder", reconnect=False), "alice", password, str(certs["ca.crt"]))
        with pytest.raises(ConnectionError):
            connect_and_wait(client, secured.host, secured.port, timeout=5)
    anonymous = secure(make_client("anonymous", reconnect=False), cafile=str(certs["ca.crt"]))
    with pytest.raises(ConnectionError):
        connect_and_wait(anonymous, secured.host, secured.port, timeout=5)
