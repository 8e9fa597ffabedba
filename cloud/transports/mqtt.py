"""The arbiter's MQTT edge: decode each inbound message into a command and queue it; publish results.

Thin on purpose: parse the topic, decode the payload (shared.messages), build a command, enqueue.
A message that breaks the contract becomes a coded error for its sender, queued in order with
the bids so acknowledgements keep their order. Acks are manual: the engine acknowledges a bid
only after the journal commit, so a bid received by a crashing arbiter is redelivered, never lost.
"""
from __future__ import annotations

import logging
import time
from typing import Any

import paho.mqtt.client as mqtt

from cloud.core.commands import Command, PlaceBid, RecordPress, RunCommand, SetHallLink, SetMax, SetPresence
from cloud.engine import Engine, Inbound
from cloud.outbound import Publication, reply_topic
from shared import messages, topics
from shared.codes import Code
from shared.config import BrokerConfig
from shared.mqtt import connect_and_wait, make_client, secure

log = logging.getLogger(__name__)

EXPECTS: dict[str, type[messages.Message]] = {
    topics.HALL_BID.name: messages.Bid, topics.BIDDER_BID.name: messages.Bid, topics.HALL_PRESS.name: messages.Press,
    topics.BIDDER_MAX.name: messages.MaxBid,
    topics.HALL_COMMAND.name: messages.Command, topics.HALL_PRESENCE.name: messages.Presence,
    topics.BIDDER_PRESENCE.name: messages.Presence,
}


def to_command(topic: topics.Topic, params: dict[str, str], message: Any) -> Command | None:
    if topic is topics.HALL_BID:
        return PlaceBid(message, "hall", params["hall"])
    if topic is topics.BIDDER_BID:
        if message.paddle is not None:
            raise messages.ProtocolError(Code.BAD_VALUE, "an online bid must not name a paddle", "paddle", message.bid_id)
        return PlaceBid(message, "online", params["account"])
    if topic is topics.BIDDER_MAX:
        return SetMax(message, params["account"])
    if topic is topics.HALL_PRESS:
        return RecordPress(message, params["hall"])
    if topic is topics.HALL_COMMAND:
        return RunCommand(message, params["hall"])
    if topic is topics.BIDDER_PRESENCE:
        return SetPresence(params["account"], message.online)
    return None  # hall presence: informational for now


def inbound(topic_name: str, payload: bytes) -> tuple[Command | None, Publication | None]:
    """One received message -> (command, None) or (None, coded error for its sender)."""
    parsed = topics.parse(topic_name)
    if parsed is None or parsed[0] not in topics.INBOUND:
        log.warning("ignored a message on %r: not an inbound topic of the contract", topic_name)
        return None, None
    topic, params = parsed
    if topic is topics.HALL_BRIDGE:               # Mosquitto's own notification: "1" up, "0" down
        return (SetHallLink(params["hall"], payload.strip() == b"1"), None) if payload.strip() in (b"0", b"1") else (None, None)
    channel, source = ("online", params["account"]) if "account" in params else ("hall", params["hall"])
    try:
        return to_command(topic, params, messages.decode(payload, EXPECTS[topic.name])), None
    except messages.ProtocolError as exc:
        error = messages.Error(exc.code.name, exc.message, exc.field, exc.ref)
        return None, Publication(reply_topic(channel, source), messages.encode(error))


class RateLimit:
    """A token bucket per online bidder: `rate` bids a second, bursts of `burst`. In the shell, not the
    core: it reads the clock, and a refused bid is answered without ever being sequenced."""

    def __init__(self, rate: float = 5.0, burst: int = 10):
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, tuple[float, float]] = {}

    def allow(self, account: str, now: float) -> bool:
        if self.rate <= 0:
            return True
        tokens, then = self.buckets.get(account, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        allowed = tokens >= 1
        self.buckets[account] = (tokens - 1 if allowed else tokens, now)
        return allowed


class MqttTransport:
    def __init__(self, engine: Engine, broker: BrokerConfig, client_id: str, limit: RateLimit | None = None):
        self.engine = engine
        self.client = secure(make_client(client_id, persistent=True, manual_ack=True), broker.username, broker.password, broker.cafile)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.host, self.port = broker.host, broker.port
        self.limit = limit or RateLimit()

    def start(self) -> "MqttTransport":
        connect_and_wait(self.client, self.host, self.port)
        return self

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def publish(self, batch: list[Publication]) -> None:
        for p in batch:
            self.client.publish(p.topic, p.payload, qos=p.qos, retain=p.retain)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if not reason.is_failure:
            client.subscribe([(t.filter(), t.qos) for t in topics.INBOUND])

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        command, reply = inbound(msg.topic, msg.payload)
        if isinstance(command, PlaceBid) and command.channel == "online" and not self.limit.allow(command.source, time.monotonic()):
            error = messages.Error(Code.RATE_LIMITED.name, f"too many bids: at most {self.limit.rate:g} a second", None, command.bid.bid_id)
            command, reply = None, Publication(reply_topic("online", command.source), messages.encode(error))
        mid, qos = msg.mid, msg.qos
        self.engine.submit(Inbound(command, ack=lambda: client.ack(mid, qos), reply=reply))
