"""The secured cloud broker, probed with the real mosquitto_pub and mosquitto_sub: nobody bids as
someone else, publishes lot state, reads another bidder's results, or gets in without a password."""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from cloud.broker import Bridge, Broker, Secured
from cloud.security import dev_ca
from shared import topics
from shared.config import DEFAULT_FILE
from shared.mqtt import connect_and_wait, make_client, secure, subscribe_and_wait
from bench.demo import DEMO_PINS
from tests.conftest import ArbiterProcess, ClusterBroker, journal_sale, private_broker
from tests.integration.test_hallbox import wait_until

pytestmark = [pytest.mark.broker, pytest.mark.nats]
# NATS has no `use_username_as_clientid`: every login shares one account's client ids (docs/cluster.md, "Left to do")
SHARED_CLIENT_IDS = "a login may take a role's client id, and with it its session"
USERS = {"arbiter": "arbiter-secret", "hall-hall1": "hall-secret", "house": "house-secret", "alice": "alice-secret", "bob": "bob-secret"}
BID = '{"v":1,"type":"bid","bid_id":"%s","lot":"1","amount":80000,"currency":"HKD"}'
PIN = '{"v":1,"type":"pin","pin":"%s"}'


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> dict[str, Path]:
    return dev_ca(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def cloud(broker_kind, request, tmp_path, certs):
    with private_broker(broker_kind, request, tmp_path / "cloud", Secured(USERS, ("hall1",), certs)) as broker:
        yield broker


@pytest.fixture
def arbiter(cloud, certs, tmp_path):
    config = tmp_path / "sale.toml"
    config.write_text(DEFAULT_FILE.read_text().replace(
        "port = 1883\n", f'port = {cloud.tls_port}\nusername = "arbiter"\npassword = "{USERS["arbiter"]}"\ncafile = "{certs["ca.crt"]}"\n', 1))
    process = ArbiterProcess(cloud, tmp_path / "journal.sqlite3", config)
    process.args[process.args.index("--port") + 1] = str(cloud.tls_port)
    process.start()
    try:                                  # a set-up that fails must not leave the arbiter running
        seen = watch(cloud, certs, topics.BIDDER_RESULT.filter())
        for account, pin in DEMO_PINS.items():
            mqtt("mosquitto_pub", cloud, certs, account, USERS[account], "-t", topics.BIDDER_PIN.format(account=account), "-m", PIN % pin)
        wait_until(lambda: sum('"unlocked":true' in p for _, p in seen) == len(DEMO_PINS))
        yield process
    finally:
        process.stop()



def mqtt(tool: str, cloud: Broker, certs, user: str | None, password: str | None, *args: str, timeout: float = 3) -> subprocess.CompletedProcess[str]:
    auth = ["-u", user, "-P", password] if user else []
    command = [tool, "-h", "127.0.0.1", "-p", str(cloud.tls_port), "--cafile", str(certs["ca.crt"]), "-q", "1", *auth, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout + 5)


def watch(cloud: Broker | ClusterBroker, certs, *filters: str) -> list[tuple[str, str]]:
    """A superuser's view of what really crossed the broker: the arbiter's login on Mosquitto's
    loopback listener, the one where a client keeps its own id (on TLS it would be `arbiter` and
    take over); a cluster's listeners all speak TLS and keep the client's own id."""
    seen: list[tuple[str, str]] = []
    client = secure(make_client(), "arbiter", USERS["arbiter"], str(certs["ca.crt"]) if isinstance(cloud, ClusterBroker) else "")
    client.on_message = lambda c, u, m: seen.append((m.topic, m.payload.decode()))
    connect_and_wait(client, cloud.host, cloud.port)
    subscribe_and_wait(client, [(f, 1) for f in filters])
    return seen


class Session:
    """A paho client over TLS that records its disconnections and what it receives."""

    def __init__(self, cloud: Broker, certs, user: str, client_id: str, *filters: str):
        self.dropped: list[str] = []
        self.received: list[tuple[str, str]] = []
        self.client = secure(make_client(client_id, persistent=True), user, USERS[user], str(certs["ca.crt"]))
        self.client.on_disconnect = lambda c, u, flags, reason, props: self.dropped.append(str(reason))
        self.client.on_message = lambda c, u, m: self.received.append((m.topic, m.payload.decode()))
        connect_and_wait(self.client, cloud.host, cloud.tls_port)
        if filters:
            subscribe_and_wait(self.client, [(f, 1) for f in filters])   # on NATS, a filter outside the ACL is refused here

    def publish(self, topic: str, payload: str) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def hall_bridge(cloud: Broker | ClusterBroker, certs) -> Bridge:
    """hall1's bridge, logged in over TLS (a cluster refuses Mosquitto's private bridge flag)."""
    return Bridge(f"127.0.0.1:{cloud.tls_port}", "hall1", "spring-2026", cafile=str(certs["ca.crt"]), username="hall-hall1",
                  password=USERS["hall-hall1"], try_private=not isinstance(cloud, ClusterBroker))


def open_lot(cloud, certs) -> None:
    mqtt("mosquitto_pub", cloud, certs, "hall-hall1", USERS["hall-hall1"], "-t", topics.HALL_COMMAND.format(hall="hall1"),
         "-m", '{"v":1,"type":"command","command_id":"c1","action":"open_lot"}')
    time.sleep(0.5)


def test_no_credentials_and_a_wrong_password_are_refused(cloud, certs):
    for user, password in ((None, None), ("alice", "guess")):
        result = mqtt("mosquitto_sub", cloud, certs, user, password, "-t", "auction/#", "-W", "2")
        assert result.returncode != 0 and "not authorised" in (result.stderr + result.stdout).lower()
    assert mqtt("mosquitto_sub", cloud, certs, "alice", USERS["alice"], "-t", topics.LOT_STATE.format(sale="s"), "-W", "1").returncode in (0, 27)


def test_a_bidder_cannot_bid_as_another_and_the_arbiter_state_is_unchanged(cloud, certs, arbiter, tmp_path):
    open_lot(cloud, certs)
    seen = watch(cloud, certs, "auction/bidder/#", "auction/arbiter/bidder/#")
    mqtt("mosquitto_pub", cloud, certs, "alice", USERS["alice"], "-t", topics.BIDDER_BID.format(account="bob"), "-m", BID % "as-bob")
    mqtt("mosquitto_pub", cloud, certs, "alice", USERS["alice"], "-t", topics.BIDDER_BID.format(account="alice"), "-m", BID % "own")
    deadline = time.monotonic() + 5
    while not any("own" in p for t, p in seen if "result" in t) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(json.loads(p).get("status") == "accepted" for t, p in seen if t.endswith("alice/result"))   # the control
    assert not any("as-bob" in p for _, p in seen)
    arbiter.stop()
    answered = journal_sale(tmp_path / "journal.sqlite3").answers
    assert [key for key in answered if "as-bob" in key] == [] and "online:alice/own" in answered


def test_a_bidder_cannot_publish_lot_state_or_results(cloud, certs, arbiter):
    open_lot(cloud, certs)
    seen = watch(cloud, certs, "auction/arbiter/#")
    mqtt("mosquitto_pub", cloud, certs, "alice", USERS["alice"], "-r", "-t", topics.LOT_STATE.format(sale="spring-2026"), "-m", '{"forged":1}')
    mqtt("mosquitto_pub", cloud, certs, "alice", USERS["alice"], "-t", topics.BIDDER_RESULT.format(account="bob"), "-m", '{"forged":1}')
    time.sleep(0.5)
    assert not any("forged" in p for _, p in seen)
    retained = mqtt("mosquitto_sub", cloud, certs, "bob", USERS["bob"], "-t", topics.LOT_STATE.format(sale="spring-2026"), "-C", "1", "-W", "3")
    assert json.loads(retained.stdout)["type"] == "lot_state"


def test_a_bidder_cannot_read_another_bidders_results(cloud, certs, arbiter):
    open_lot(cloud, certs)
    snoop = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(cloud.tls_port), "--cafile", str(certs["ca.crt"]),
                              "-u", "alice", "-P", USERS["alice"], "-t", topics.BIDDER_RESULT.format(account="bob"), "-W", "3", "-v"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    # alice, subscribed to bob's results, hears nothing (bob hearing them is the next test's control)
    mqtt("mosquitto_pub", cloud, certs, "bob", USERS["bob"], "-t", topics.BIDDER_BID.format(account="bob"), "-m", BID % "bobs")
    out, _ = snoop.communicate(timeout=10)
    assert "bobs" not in out


def test_bob_hears_his_own_result(cloud, certs, arbiter):
    """One connection per login on the public listeners (its client id is the login): bob bids and
    hears on the same one."""
    open_lot(cloud, certs)
    bob = Session(cloud, certs, "bob", "bob-script", topics.BIDDER_RESULT.format(account="bob"))
    try:
        bob.publish(topics.BIDDER_BID.format(account="bob"), BID % "bobs")
        wait_until(lambda: bob.received)
        assert json.loads(bob.received[0][1])["bid_id"] == "bobs"
    finally:
        bob.close()


def test_a_bidder_over_the_rate_limit_is_told_so(cloud, certs, arbiter):
    open_lot(cloud, certs)
    seen = watch(cloud, certs, topics.BIDDER_RESULT.format(account="alice"))
    lines = "\n".join(BID % f"burst-{i}" for i in range(30))
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(cloud.tls_port), "--cafile", str(certs["ca.crt"]), "-q", "1",
                    "-u", "alice", "-P", USERS["alice"], "-t", topics.BIDDER_BID.format(account="alice"), "-l"], input=lines, text=True, timeout=10)
    wait_until(lambda: len(seen) >= 30)
    codes = [json.loads(p).get("code") for _, p in seen]
    assert "RATE_LIMITED" in codes and len(codes) == 30


def test_the_hall_bridge_logs_in_over_tls(cloud, certs, tmp_path):
    seen = watch(cloud, certs, "auction/hall/#")
    with Broker(tmp_path / "hall", bridge=hall_bridge(cloud, certs)) as hall:
        time.sleep(1.5)
        client = make_client()
        connect_and_wait(client, hall.host, hall.port)
        client.publish(topics.HALL_PRESENCE.format(hall="hall1"), b'{"v":1,"type":"presence","online":true}', qos=1).wait_for_publish(5)
        time.sleep(0.5)
        client.disconnect()
    assert ("auction/hall/hall1/bridge", "1") in seen and any(t == "auction/hall/hall1/presence" for t, _ in seen)


def test_wrong_pins_over_the_broker_lock_bidding_and_the_clear_pin_is_never_journaled(cloud, certs, arbiter, tmp_path):
    open_lot(cloud, certs)
    seen = watch(cloud, certs, topics.BIDDER_RESULT.format(account="bob"))
    for tried, guess in enumerate(("0000", "1111", "2222", "3333", "4444", "2468"), 1):   # five wrong, then the right one: too late
        mqtt("mosquitto_pub", cloud, certs, "bob", USERS["bob"], "-t", topics.BIDDER_PIN.format(account="bob"), "-m", PIN % guess)
        wait_until(lambda: len(seen) == tried)                         # one at a time, as a person types them
    answers = [json.loads(p) for _, p in seen]
    assert [a["code"] for a in answers] == ["PIN_WRONG"] * 4 + ["PIN_LOCKED"] * 2
    assert answers[0]["attempts_left"] == 4 and answers[-1]["locked_until_ms"] > 0
    mqtt("mosquitto_pub", cloud, certs, "bob", USERS["bob"], "-t", topics.BIDDER_BID.format(account="bob"), "-m", BID % "locked")
    wait_until(lambda: len(seen) == 7)
    assert json.loads(seen[-1][1])["code"] == "PIN_LOCKED"
    arbiter.stop()
    journal = (tmp_path / "journal.sqlite3").read_bytes()
    assert b"2468" not in journal and b"4444" not in journal


def test_only_the_house_registers_accounts_and_a_new_account_waits_for_approval(cloud, certs, arbiter):
    from cloud.pins import hash_pin
    seen = watch(cloud, certs, "auction/arbiter/house/#", "auction/house/#")
    register = json.dumps({"v": 1, "type": "account_command", "command_id": "r1", "action": "register", "account": "carol",
                           "handle": "carol_c", "pin_hash": hash_pin("5555")})
    mqtt("mosquitto_pub", cloud, certs, "alice", USERS["alice"], "-t", topics.HOUSE_ACCOUNT.format(), "-m", register)
    mqtt("mosquitto_pub", cloud, certs, "alice", USERS["alice"], "-r", "-t", topics.HOUSE_AVATAR.format(account="alice"), "-m", "forged")
    time.sleep(0.5)
    assert seen == []                                                   # refused by the broker: nothing crossed
    mqtt("mosquitto_pub", cloud, certs, "house", USERS["house"], "-t", topics.HOUSE_ACCOUNT.format(), "-m", register)
    wait_until(lambda: any(t == topics.HOUSE_RESULT.format() for t, _ in seen))
    assert json.loads(seen[-1][1])["message"] == "account carol registered: awaiting approval"


@pytest.mark.nats_gap(SHARED_CLIENT_IDS)
@pytest.mark.parametrize("role, client_id, publisher, topic", [
    ("arbiter", "arbiter", "bob", topics.BIDDER_BID.format(account="bob")),
    ("hall-hall1", "bridge-hall1", "arbiter", topics.HALL_RESULT.format(hall="hall1")),
    ("hall-hall1", "hall-hall1", "arbiter", topics.HALL_RESULT.format(hall="hall1")),
])
def test_a_bidder_using_a_roles_client_id_neither_logs_it_off_nor_gets_its_messages(cloud, certs, role, client_id, publisher, topic):
    real = Session(cloud, certs, role, client_id, "auction/#")
    attacker = Session(cloud, certs, "alice", client_id, "auction/#")
    try:
        mqtt("mosquitto_pub", cloud, certs, publisher, USERS[publisher], "-t", topic, "-m", BID % "after")
        wait_until(lambda: topic in (t for t, _ in real.received))
        time.sleep(0.3)
        assert real.dropped == [] and attacker.dropped == [] and attacker.received == []
    finally:
        attacker.close()
        real.close()


@pytest.mark.nats_gap(SHARED_CLIENT_IDS)
def test_the_hall_bridge_stays_up_when_a_bidder_takes_its_client_id(cloud, certs, tmp_path):
    seen = watch(cloud, certs, topics.HALL_BRIDGE.format(hall="hall1"), topics.HALL_PRESENCE.format(hall="hall1"))
    with Broker(tmp_path / "hall", bridge=hall_bridge(cloud, certs)) as hall:
        wait_until(lambda: (topics.HALL_BRIDGE.format(hall="hall1"), "1") in seen)
        attackers = [Session(cloud, certs, "alice", client_id) for client_id in ("bridge-hall1", "hall-hall1")]
        time.sleep(1.0)
        client = make_client()
        connect_and_wait(client, hall.host, hall.port)
        client.publish(topics.HALL_PRESENCE.format(hall="hall1"), b'{"v":1,"type":"presence","online":true}', qos=1).wait_for_publish(5)
        wait_until(lambda: any(t == topics.HALL_PRESENCE.format(hall="hall1") for t, _ in seen))
        client.disconnect()
        for attacker in attackers:
            attacker.close()
        assert [p for t, p in seen if t == topics.HALL_BRIDGE.format(hall="hall1")] == ["1"]     # never cut off
