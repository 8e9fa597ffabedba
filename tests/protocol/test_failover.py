"""The arbiter's broker addresses: host:port first, then `[broker] failover`, tried in turn; a lost
connection moves on to the next, round robin, and a deliberate stop moves nowhere."""
from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from cloud.transports.mqtt import MqttTransport
from shared.config import BrokerConfig, ConfigError


def test_the_failover_addresses_follow_the_first_and_a_bad_one_is_named():
    broker = BrokerConfig(host="n1.example", port=8883, failover="n2.example:8883 10.0.0.3:1883")
    assert broker.endpoints() == [("n1.example", 8883), ("n2.example", 8883), ("10.0.0.3", 1883)]
    assert BrokerConfig().endpoints() == [("127.0.0.1", 1883)]
    with pytest.raises(ConfigError, match="'n2.example' is not host:port"):
        BrokerConfig(failover="n2.example").endpoints()


class Client:
    keepalive = 15

    def __init__(self):
        self.asked: list[tuple[str, int]] = []

    def connect_async(self, host: str, port: int, keepalive: int) -> None:
        self.asked.append((host, port))


def test_a_lost_connection_moves_to_the_next_address_round_robin_and_a_stop_moves_nowhere(tmp_path):
    engine = SimpleNamespace(journal=SimpleNamespace(path=tmp_path / "journal.sqlite3"))
    transport = MqttTransport(engine, BrokerConfig(port=1, failover="127.0.0.1:2 127.0.0.1:3"), "arbiter")
    client = Client()
    transport.subscribed.set()
    for _ in range(4):
        transport._on_disconnect(client)
    assert client.asked == [("127.0.0.1", 2), ("127.0.0.1", 3), ("127.0.0.1", 1), ("127.0.0.1", 2)]
    assert not transport.subscribed.is_set()                 # deaf until the next node grants the subscriptions
    transport.stopping = threading.Event()
    transport.stopping.set()
    transport._on_disconnect(client)
    assert len(client.asked) == 4
    transport.quarantine.close()
    transport.pin_checks.shutdown()
