"""The hall box's MQTT link to the cloud: connects and reconnects with tenacity, reports its state.

paho's own reconnect is off: one thread connects with exponential backoff (50 ms doubling to 2 s,
forever), runs the network loop until the connection drops, and starts again. The link is up once
the broker granted its subscriptions. Every received
message and every state change is handed to the hall box's loop; nothing is decided here.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from tenacity import Retrying, retry_if_exception_type, wait_exponential

from shared.config import BrokerConfig
from shared.mqtt import make_client, secure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkState:
    up: bool
    since: float          # monotonic seconds
    attempts: int = 0     # connection attempts since it went down


class Link:
    def __init__(self, broker: BrokerConfig, client_id: str, subscriptions: list[tuple[str, int]],
                 on_message: Callable[[str, bytes], None], on_state: Callable[[LinkState], None],
                 on_delivered: Callable[[int], None], will: tuple[str, bytes] | None = None):
        self.host, self.port, self.subscriptions = broker.host, broker.port, subscriptions
        self.on_state, self.on_delivered = on_state, on_delivered
        self.client = secure(make_client(client_id, persistent=True, reconnect=False), broker.username, broker.password, broker.cafile)
        self.client.on_connect = self._connected
        self.client.on_subscribe = lambda *_: self._set(LinkState(True, time.monotonic())) if not self.state.up else None
        self.client.on_message = lambda c, u, m: on_message(m.topic, m.payload)
        self.client.on_publish = lambda c, u, mid, rc, props: on_delivered(mid)
        if will:
            self.client.will_set(will[0], will[1], qos=1, retain=True)
        self.state = LinkState(False, time.monotonic())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hall-link", daemon=True)

    def start(self) -> "Link":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.client.disconnect()
        self._thread.join(timeout=5)

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> int | None:
        """Hand a message to paho (QoS 1); the mid, or None while the link is down (the outbox keeps it)."""
        if not self.state.up:
            return None
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        return info.mid if info.rc == mqtt.MQTT_ERR_SUCCESS else None

    def _set(self, state: LinkState) -> None:
        self.state = state
        self.on_state(state)

    def _connected(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        """Up once the broker granted the subscriptions, not at CONNACK: a NATS cluster grants them
        seconds later, and the hall box says it is online (and sends its outbox) when the link is up."""
        if reason.is_failure:
            return
        if self.subscriptions:
            client.subscribe(self.subscriptions)
        else:
            self._set(LinkState(True, time.monotonic()))

    def _run(self) -> None:
        attempts = 0

        def count(state: Any) -> None:
            nonlocal attempts
            attempts += 1
            self._set(LinkState(False, self.state.since, attempts))

        while not self._stop.is_set():
            retrying = Retrying(wait=wait_exponential(multiplier=0.05, max=2), retry=retry_if_exception_type(OSError),
                                before_sleep=count, reraise=True)
            try:
                for attempt in retrying:
                    with attempt:
                        if self._stop.is_set():
                            return
                        self.client.connect(self.host, self.port, keepalive=5)
            except OSError:
                continue
            attempts = 0
            self.client.loop_forever()
            if self.state.up:
                self._set(LinkState(False, time.monotonic()))
