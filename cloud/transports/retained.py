"""Sweeping retained junk off the command topics.

An MQTT 3.1.1 broker hands a retained message to subscribers already connected without its retain
flag, so the arbiter can refuse a retained command on sight only when it subscribes. Left alone, a
bidder's 250 KB retained "bid" would wait on the broker for the next restart. So every `every_s`
seconds the arbiter subscribes again, on its own connection, to every command topic: the broker then
sends each retained message there again, flagged (MQTT 3.1.1, 3.8.4), and the transport refuses and
clears it as at a start. Presence and bridge notifications are retained by design (wills) and are not
subscribed again. (A second client of the arbiter's login would be given the same client id on the
public listeners, `use_username_as_clientid`, and take the arbiter's session.)
"""
from __future__ import annotations

import threading

import paho.mqtt.client as mqtt

from shared import topics


class RetainedSweeper:
    def __init__(self, client: mqtt.Client, keep: frozenset[str], every_s: float = 10.0):
        self.client = client
        self.filters = [(t.filter(), t.qos) for t in topics.INBOUND if t.name not in keep]
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retained-sweeper", daemon=True)

    def start(self) -> "RetainedSweeper":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.client.subscribe(self.filters)
