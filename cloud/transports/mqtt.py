"""The arbiter's MQTT edge: decode each inbound message into a command and queue it; publish results.

Thin on purpose: parse the topic, decode the payload (shared.messages), build a command, enqueue.
A message that breaks the contract becomes a coded error for its sender, queued in order with
the bids so acknowledgements keep their order. Acks are manual: the engine acknowledges a bid
only after the journal commit, so a bid received by a crashing arbiter is redelivered, never lost.

What a stranger sends cannot silence it (docs/threat-model.md): nothing raised while reading a
message leaves the callback, and every message is handed to the engine exactly once with its ack;
a dead network thread ends the process; a message that killed it twice is quarantined; a retained
command is refused and cleared; each kind a bidder sends is rate-limited, presence coalesced, and
PIN checks bounded per account.
"""
from __future__ import annotations

import functools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt

from cloud.core.commands import SetHallLink
from cloud.core.domain import sale_publications
from cloud.core.outbound import reply_topic
from cloud.identity.commands import CheckPin, SetPresence
from cloud.identity.domain import identity
from cloud.identity.rules import pin_refusal
from cloud.kernel.domain import House, Publication
from cloud.kernel.engine import Engine, Inbound
from cloud.pins import verify_pin
from cloud.transports.guards import PinGate, PresenceCoalescer, RateLimit
from cloud.transports.quarantine import Quarantine
from cloud.transports.wire import to_command
from cloud.market import wire as market_wire
from shared import backoffice, messages, orders, topics
from shared.codes import Code
from shared.config import BrokerConfig
from shared.mqtt import connect_and_wait, exit_if_network_dies, make_client, secure

log = logging.getLogger(__name__)

EXPECTS: dict[str, type[messages.Message] | tuple[type[messages.Message], ...]] = {
    topics.HALL_BID.name: messages.Bid, topics.BIDDER_BID.name: messages.Bid, topics.HALL_PRESS.name: messages.Press,
    topics.BIDDER_MAX.name: messages.MaxBid,
    topics.HALL_COMMAND.name: messages.Command, topics.HALL_PRESENCE.name: messages.Presence,
    topics.BIDDER_PRESENCE.name: messages.Presence, topics.BIDDER_PIN.name: messages.Pin,
    topics.HOUSE_ACCOUNT.name: messages.AccountCommand, topics.HOUSE_SALE.name: messages.SaleCommand,
    topics.HOUSE_LEDGER.name: (backoffice.LedgerCommand, backoffice.LedgerQuery),
    topics.HOUSE_CUSTODY.name: (backoffice.CatalogCommand, backoffice.CustodyCommand),
    topics.BIDDER_PAYOUT.name: backoffice.PayoutRequest, topics.HOUSE_ORDERS.name: orders.OrderCommand,
    **{topic.name: expected for topic, expected in market_wire.EXPECTS.items()},
}
LIMITS = {topics.HOUSE_SALE.name: messages.SALE_DEFINITION_BYTES + 4096}   # a sale's definition; every other kind: 4 KiB
HOUSE_DESK = (topics.HOUSE_ACCOUNT, topics.HOUSE_SALE, topics.HOUSE_LEDGER, topics.HOUSE_CUSTODY, topics.HOUSE_MARKET, topics.HOUSE_ORDERS)   # answered on HOUSE_RESULT
# By topic name: a Topic is a frozen dataclass, whose hash and == walk every field (several us a message).
INBOUND_NAMES = frozenset(t.name for t in topics.INBOUND)
RETAINED_BY_DESIGN = frozenset(t.name for t in (topics.HALL_PRESENCE, topics.BIDDER_PRESENCE, topics.HALL_BRIDGE))   # wills, notifications
LIMITED_KINDS = {t.name: kind for t, kind in {topics.BIDDER_BID: "bid", topics.BIDDER_MAX: "max_bid", topics.BIDDER_PIN: "pin",
                                              topics.BIDDER_PAYOUT: "payout", **market_wire.LIMITED_KINDS}.items()}   # presence: coalesced instead
# topics.parse tries every topic's pattern (~100 us with 39 topics); the arbiter sees few distinct
# topic strings (one per bidder and kind), so remembering them takes parsing off the hot path.
parse_topic = functools.lru_cache(maxsize=8192)(topics.parse)


@dataclass(frozen=True)
class PinGiven:
    """A trade PIN to check against the stored hash before the core hears the outcome (CheckPin)."""
    account: str
    pin: str = ""

    def __repr__(self) -> str:            # never print a clear PIN
        return f"PinGiven(account={self.account!r})"


def inbound(topic_name: str, payload: bytes) -> tuple[Any | None, Publication | None]:
    """One received message -> (command, None) or (None, coded error for its sender)."""
    parsed = parse_topic(topic_name)
    if parsed is None or parsed[0].name not in INBOUND_NAMES:
        log.warning("ignored a message on %r: not an inbound topic of the contract", topic_name)
        return None, None
    return read(*parsed, payload)


def read(topic: topics.Topic, params: dict[str, str], payload: bytes) -> tuple[Any | None, Publication | None]:
    """A message on an inbound topic of the contract -> (command, None) or (None, coded error)."""
    if topic is topics.HALL_BRIDGE:               # Mosquitto's own notification: "1" up, "0" down
        return (SetHallLink(params["hall"], payload.strip() == b"1"), None) if payload.strip() in (b"0", b"1") else (None, None)
    try:
        message = _decode(topic, payload)
        if topic is topics.BIDDER_PIN:
            return PinGiven(params["account"], message.pin), None
        return to_command(topic, params, message), None
    except messages.ProtocolError as exc:
        return None, refusal(topic, params, messages.Error(exc.code.name, exc.message, exc.field, exc.ref))


def _decode(topic: topics.Topic, payload: bytes) -> Any:
    return messages.decode(payload, EXPECTS[topic.name], LIMITS.get(topic.name, messages.MAX_PAYLOAD_BYTES))


def refusal(topic: topics.Topic, params: dict[str, str], error: messages.Error) -> Publication:
    """`error` on the reply topic of whoever published on `topic`."""
    if topic in HOUSE_DESK:
        return Publication(topics.HOUSE_RESULT.format(), messages.encode(error))
    channel, source = ("online", params["account"]) if "account" in params else ("hall", params["hall"])
    return Publication(reply_topic(channel, source), messages.encode(error))


def ref_of(topic: topics.Topic, payload: bytes) -> str | None:
    """The bid or command id of a payload, if it can be read (for refusals made before decoding)."""
    try:
        message = _decode(topic, payload)
    except messages.ProtocolError as exc:
        return exc.ref
    return getattr(message, "bid_id", None) or getattr(message, "command_id", None)


class MqttTransport:
    def __init__(self, engine: Engine, broker: BrokerConfig, client_id: str, limit: RateLimit | None = None,
                 quarantine: Quarantine | None = None, presence_window_s: float = 1.0):
        self.engine = engine
        # inflight=0 (no window): paho rescans every queued message on each PUBACK while a window is set,
        # which cost the arbiter ~15 % of its network thread at 1,000 a second (the broker sets no limit either).
        self.client = secure(make_client(client_id, persistent=True, manual_ack=True, inflight=0, busy=True), broker.username, broker.password,
                             broker.cafile)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect
        self.subscribed = threading.Event()     # the broker granted the inbound topics (a NATS cluster takes seconds)
        self.endpoints, self.now_at = broker.endpoints(), 0
        self.limit = limit or RateLimit()
        self.quarantine = quarantine or Quarantine(engine.journal.path.parent / "quarantine.sqlite3")
        self.presence = PresenceCoalescer(lambda account, online: self.engine.submit(Inbound(SetPresence(account, online))), presence_window_s)
        self.pin_gate = PinGate()
        self.shed_replies = RateLimit(20.0, 50)             # RATE_LIMITED answers per account and kind: a burst is answered, a flood is not
        self.pin_checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pin-check")   # scrypt: off the network thread
        self.stopping: threading.Event | None = None      # set before a deliberate stop (see exit_if_network_dies)

    def start(self) -> "MqttTransport":
        """Connect to the first address that answers; once connected, a lost connection moves on to the
        next address (a cluster's next node), round robin, at paho's reconnect pace."""
        for attempt, (host, port) in enumerate(self.endpoints):
            try:
                connect_and_wait(self.client, host, port)
                break
            except (ConnectionError, OSError) as exc:
                if attempt == len(self.endpoints) - 1:
                    raise ConnectionError(f"no broker address answered; the last: {exc}") from exc
                log.warning("broker %s:%d: %s; trying the next address", host, port, exc)
        self.now_at = attempt
        if len(self.endpoints) > 1:
            self.client.on_connect_fail = self._fail_over
        self.stopping = exit_if_network_dies(self.client)
        return self

    def _on_disconnect(self, client: mqtt.Client, *_: Any) -> None:
        self.subscribed.clear()
        if len(self.endpoints) > 1:
            self._fail_over(client)

    def _fail_over(self, client: mqtt.Client, *_: Any) -> None:
        if self.stopping is not None and self.stopping.is_set():
            return
        self.now_at = (self.now_at + 1) % len(self.endpoints)
        host, port = self.endpoints[self.now_at]
        log.warning("connection to the broker lost: trying %s:%d next", host, port)
        client.connect_async(host, port, keepalive=client.keepalive)

    def stop(self) -> None:
        if self.stopping is not None:
            self.stopping.set()
        self.client.disconnect()
        self.client.loop_stop()
        self.pin_checks.shutdown(wait=False, cancel_futures=True)
        self.quarantine.close()

    def publish(self, batch: list[Publication]) -> None:
        for p in batch:
            self.client.publish(p.topic, p.payload, qos=p.qos, retain=p.retain)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            log.warning("broker %s:%d refused the connection: %s", client.host, client.port, reason)
            return
        log.info("connected to the broker at %s:%d%s", client.host, client.port, " (session kept)" if flags.session_present else "")
        self._subscribe()

    def _subscribe(self) -> None:
        if self.client.is_connected():
            self.client.subscribe([(t.filter(), t.qos) for t in topics.INBOUND])

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, codes: Any, properties: Any) -> None:
        """Subscribed only when every filter was granted: a NATS node whose JetStream is electing a leader
        (after another node died) refuses them (0x80), and a connected arbiter that cannot hear is deaf."""
        if any(code.is_failure for code in codes):
            log.warning("the broker refused %d of %d subscriptions: asking again in 1 s", sum(c.is_failure for c in codes), len(codes))
            self.subscribed.clear()
            threading.Timer(1.0, self._subscribe).start()
        elif not self.subscribed.is_set():
            log.info("subscribed to the %d inbound topics", len(codes))
            self.subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        """Hand the engine exactly one item per message, carrying its ack: whatever the message holds,
        nothing raised while reading it escapes (it would end paho's network thread)."""
        ack = functools.partial(client.ack, msg.mid, msg.qos)
        try:
            item = self._receive(msg, ack)
        except Exception:
            log.exception("a message on %r could not be read; answered as malformed", msg.topic)
            item = Inbound(None, ack=ack, reply=self._malformed(msg.topic, "the arbiter could not read this message"))
        self.engine.submit(item)

    def _receive(self, msg: mqtt.MQTTMessage, ack: Any) -> Inbound:
        """The engine's item for one message; raises nothing it has handed on (the ack is only returned)."""
        parsed = parse_topic(msg.topic)
        if parsed is None or parsed[0].name not in INBOUND_NAMES:
            log.warning("ignored a message on %r: not an inbound topic of the contract", msg.topic)
            return Inbound(None, ack=ack)
        topic, params = parsed
        if topic.name not in RETAINED_BY_DESIGN and not msg.payload:
            return Inbound(None, ack=ack)           # an empty payload clears a retained message (ours too): nothing to answer
        if msg.retain and topic.name not in RETAINED_BY_DESIGN:
            return Inbound(None, ack=ack, reply=self._refuse_retained(topic, params, msg))
        if msg.dup and self.quarantine.attempt(msg.topic, msg.payload):
            log.error("quarantined a message on %r (%d bytes): it stopped the arbiter twice", msg.topic, len(msg.payload))
            return Inbound(None, ack=ack, reply=self._malformed(msg.topic, "quarantined: this message stopped the arbiter twice while being read"))
        kind = LIMITED_KINDS.get(topic.name)
        if kind and not self.limit.allow(f"{params['account']}/{kind}", time.monotonic()):
            return self._shed(topic, params, kind, msg, ack)
        try:
            command, reply = read(topic, params, msg.payload)
        finally:
            if msg.dup:
                self.quarantine.survived(msg.topic, msg.payload)
        if isinstance(command, SetHallLink) and command.up:     # a hall (re)connected: its sale as it is now, whatever its broker kept
            return Inbound(command, ack=ack, reply=reply,
                           ask=lambda house: sale_publications(house, self.engine.seq, self.engine.clock(), command.hall))
        if isinstance(command, PinGiven):
            if not self.pin_gate.enter(command.account):
                return Inbound(None, ack=ack, reply=self._rate_limited(command.account, "too many pin messages: one is being checked and one waits"))
            return Inbound(None, ask=lambda house: self._ask_pin(house, command, ack))
        if isinstance(command, backoffice.LedgerQuery):
            return Inbound(None, ack=ack, ask=lambda house: [house.domain("ledger").report(house, command, self.engine.seq)])
        if isinstance(command, SetPresence) and not self.presence.offer(command.account, command.online, time.monotonic()):
            return Inbound(None, ack=ack)           # held: the window's last value is sent when it ends
        return Inbound(command, ack=ack, reply=reply)

    def _shed(self, topic: topics.Topic, params: dict[str, str], kind: str, msg: mqtt.MQTTMessage, ack: Any) -> Inbound:
        """Over its limit: refused before it is even decoded (the account is in the topic), so a flood
        costs a token-bucket lookup a message. Every refusal of a burst is answered; past 50 in a row
        (then 20 a second) a flood's are dropped unanswered, so an attacker cannot make the arbiter
        publish as fast as it sends."""
        account = params["account"]
        if not self.shed_replies.allow(f"{account}/{kind}", time.monotonic()):
            return Inbound(None, ack=ack)
        text = f"too many {kind} messages: at most {self.limit.rate:g} a second"
        return Inbound(None, ack=ack, reply=self._rate_limited(account, text, ref_of(topic, msg.payload)))

    def _refuse_retained(self, topic: topics.Topic, params: dict[str, str], msg: mqtt.MQTTMessage) -> Publication:
        """A retained command would come back at every restart: clear it, and tell its sender."""
        self.client.publish(msg.topic, b"", qos=1, retain=True)
        return refusal(topic, params, messages.Error(Code.BAD_VALUE.name, "a command must not be retained: refused, and its retained copy cleared",
                                                     "retain", ref_of(topic, msg.payload)))

    def _malformed(self, topic_name: str, text: str) -> Publication | None:
        parsed = parse_topic(topic_name)
        return refusal(*parsed, messages.Error(Code.MALFORMED_JSON.name, text)) if parsed and parsed[0].name in INBOUND_NAMES else None

    @staticmethod
    def _rate_limited(account: str, text: str, ref: str | None = None) -> Publication:
        return Publication(reply_topic("online", account), messages.encode(messages.Error(Code.RATE_LIMITED.name, text, None, ref)))

    def _ask_pin(self, house: House, given: PinGiven, ack: Any) -> None:
        """On the engine thread: the cheap checks and the stored hash, read consistently; then the
        expensive scrypt check on a worker, whose outcome comes back with the hash it checked."""
        account = identity(house).accounts.get(given.account)
        if account is None or pin_refusal(account, given.account, self.engine.clock()) is not None:
            self.pin_gate.leave(given.account)
            self.engine.submit(Inbound(CheckPin(given.account, False, account.pin_hash if account else ""), ack=ack))
            return
        self.pin_checks.submit(self._check_pin, given, account.pin_hash, ack)

    def _check_pin(self, given: PinGiven, pin_hash: str, ack: Any) -> None:
        try:
            ok = verify_pin(given.pin, pin_hash)
        finally:
            self.pin_gate.leave(given.account)
        self.engine.submit(Inbound(CheckPin(given.account, ok, pin_hash), ack=ack))
