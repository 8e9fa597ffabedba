"""Sweeping retained junk off the command topics.

An MQTT 3.1.1 broker hands a retained message to subscribers already connected without its retain
flag, so the arbiter can refuse a retained command on sight only when it (re)subscribes. Left alone,
a bidder's 250 KB retained "bid" would wait on the broker for the next restart. Every `every_s`
seconds this client subscribes afresh (a clean session) to every command topic, clears each retained
message it is handed (an empty retained publish: the broker forgets it), and unsubscribes.
Presence and bridge notifications are retained by design (wills) and left alone.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from shared import topics
from shared.config import BrokerConfig
from shared.mqtt import connect_and_wait, make_client, secure

log = logging.getLogger(__name__)


class RetainedSweeper:
    def __init__(self, broker: BrokerConfig, client_id: str, keep: frozenset[str], every_s: float = 10.0):
        self.filters = [(t.filter(), 1) for t in topics.INBOUND if t.name not in keep]
        self.every_s = every_s
        self.client = secure(make_client(client_id), broker.username, broker.password, broker.cafile)
        self.client.on_message = self._on_message
        self.host, self.port = broker.host, broker.port
        self.cleared = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retained-sweeper", daemon=True)

    def start(self) -> "RetainedSweeper":
        connect_and_wait(self.client, self.host, self.port)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.client.disconnect()
        self.client.loop_stop()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.sweep()

    def sweep(self, settle_s: float = 1.0) -> None:
        """Subscribe (retained messages arrive at once, flagged), clear them, unsubscribe."""
        self.client.subscribe(self.filters)
        self._stop.wait(settle_s)
        self.client.unsubscribe([f for f, _ in self.filters])

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        if msg.retain and msg.payload:
            client.publish(msg.topic, b"", qos=1, retain=True)
            self.cleared += 1
            log.warning("cleared a retained message on %r (%d bytes): commands are never retained", msg.topic, len(msg.payload))
