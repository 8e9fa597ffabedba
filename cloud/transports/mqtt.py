"""The arbiter's MQTT edge: decode each inbound message into a command and queue it; publish results.

Thin on purpose: parse the topic, decode the payload (shared.messages), build a command, enqueue.
A message that breaks the contract becomes a coded error for its sender, queued in order with
the bids so acknowledgements keep their order. Acks are manual: the engine acknowledges a bid
only after the journal commit, so a bid received by a crashing arbiter is redelivered, never lost.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt

from cloud.core.commands import PlaceBid, SetHallLink
from cloud.core.outbound import reply_topic
from cloud.identity.commands import CheckPin
from cloud.identity.domain import identity
from cloud.identity.rules import pin_refusal
from cloud.kernel.domain import House, Publication
from cloud.kernel.engine import Engine, Inbound
from cloud.pins import verify_pin
from cloud.transports.wire import to_command
from shared import messages, topics
from shared.codes import Code
from shared.config import BrokerConfig
from shared.mqtt import connect_and_wait, make_client, secure

log = logging.getLogger(__name__)

EXPECTS: dict[str, type[messages.Message]] = {
    topics.HALL_BID.name: messages.Bid, topics.BIDDER_BID.name: messages.Bid, topics.HALL_PRESS.name: messages.Press,
    topics.BIDDER_MAX.name: messages.MaxBid,
    topics.HALL_COMMAND.name: messages.Command, topics.HALL_PRESENCE.name: messages.Presence,
    topics.BIDDER_PRESENCE.name: messages.Presence, topics.BIDDER_PIN.name: messages.Pin,
    topics.HOUSE_ACCOUNT.name: messages.AccountCommand,
}


@dataclass(frozen=True)
class PinGiven:
    """A trade PIN to check against the stored hash before the core hears the outcome (CheckPin)."""
    account: str
    pin: str = ""

    def __repr__(self) -> str:            # never print a clear PIN
        return f"PinGiven(account={self.account!r})"




def inbound(topic_name: str, payload: bytes) -> tuple[Any | None, Publication | None]:
    """One received message -> (command, None) or (None, coded error for its sender)."""
    parsed = topics.parse(topic_name)
    if parsed is None or parsed[0] not in topics.INBOUND:
        log.warning("ignored a message on %r: not an inbound topic of the contract", topic_name)
        return None, None
    topic, params = parsed
    if topic is topics.HALL_BRIDGE:               # Mosquitto's own notification: "1" up, "0" down
        return (SetHallLink(params["hall"], payload.strip() == b"1"), None) if payload.strip() in (b"0", b"1") else (None, None)
    try:
        message = messages.decode(payload, EXPECTS[topic.name])
        if topic is topics.BIDDER_PIN:
            return PinGiven(params["account"], message.pin), None
        return to_command(topic, params, message), None
    except messages.ProtocolError as exc:
        error = messages.Error(exc.code.name, exc.message, exc.field, exc.ref)
        if topic is topics.HOUSE_ACCOUNT:
            return None, Publication(topics.HOUSE_RESULT.format(), messages.encode(error))
        channel, source = ("online", params["account"]) if "account" in params else ("hall", params["hall"])
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
        self.pin_checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pin-check")   # scrypt: off the network thread

    def start(self) -> "MqttTransport":
        connect_and_wait(self.client, self.host, self.port)
        return self

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self.pin_checks.shutdown(wait=False, cancel_futures=True)

    def publish(self, batch: list[Publication]) -> None:
        for p in batch:
            self.client.publish(p.topic, p.payload, qos=p.qos, retain=p.retain)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if not reason.is_failure:
            client.subscribe([(t.filter(), t.qos) for t in topics.INBOUND])

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        command, reply = inbound(msg.topic, msg.payload)
        limited = command.source if isinstance(command, PlaceBid) and command.channel == "online" else \
            command.account if isinstance(command, PinGiven) else None
        if limited and not self.limit.allow(limited, time.monotonic()):
            ref = command.bid.bid_id if isinstance(command, PlaceBid) else None
            error = messages.Error(Code.RATE_LIMITED.name, f"too many attempts: at most {self.limit.rate:g} a second", None, ref)
            command, reply = None, Publication(reply_topic("online", limited), messages.encode(error))
        mid, qos = msg.mid, msg.qos
        ack = lambda: client.ack(mid, qos)  # noqa: E731
        if isinstance(command, PinGiven):
            self.engine.submit(Inbound(None, ask=lambda house: self._ask_pin(house, command, ack)))
        else:
            self.engine.submit(Inbound(command, ack=ack, reply=reply))

    def _ask_pin(self, house: House, given: PinGiven, ack: Any) -> None:
        """On the engine thread: the cheap checks and the stored hash, read consistently; then the
        expensive scrypt check on a worker, whose outcome comes back with the hash it checked."""
        account = identity(house).accounts.get(given.account)
        if account is None or pin_refusal(account, given.account, self.engine.clock()) is not None:
            self.engine.submit(Inbound(CheckPin(given.account, False, account.pin_hash if account else ""), ack=ack))
            return
        self.pin_checks.submit(self._check_pin, given, account.pin_hash, ack)

    def _check_pin(self, given: PinGiven, pin_hash: str, ack: Any) -> None:
        self.engine.submit(Inbound(CheckPin(given.account, verify_pin(given.pin, pin_hash), pin_hash), ack=ack))
