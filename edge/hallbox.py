"""The hall box: paddles in, bids out, answers back; one loop thread owns every decision.

Threads and what they may do:
- gpiozero callbacks (button edges, with the edge's tick) and the sampler link (HX711 readings with
  the time they were read, from the sampler process: hardware/sampler.py, real-time priority, no
  thread of ours to pre-empt a read) only put events on the queue;
- the link thread (MQTT) only puts received messages and link changes on the queue;
- the loop thread takes events one at a time: press trackers, the outbox (SQLite), publishing.
A bid is committed to the outbox before it is published and leaves when its answer arrives; when
the link comes back the loop replays the outbox in press order before anything newer is sent.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from pathlib import Path
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge.config import HallBoxConfig
from edge.core import press as core
from edge.core.calibration import Calibration
from edge.core.hall import BidRecord, HallState, PaddleState, bid_amount
from edge.link import Link, LinkState
from edge.store import HallStore
from hardware.paddle import Paddle
from hardware.sampler import Fault, Reading
from shared import messages, topics
from shared.avatars import avatar_ref, check_avatar
from shared.messages import ProtocolError, decode, encode
from shared.money import format_amount

log = logging.getLogger(__name__)
DEFAULT_COUNTS_PER_KG = 100_000
REFRESH_S = 0.5
TARE_SAMPLES = 8


@dataclass(frozen=True)
class Edge:
    paddle: int
    closed: bool
    t_us: int


@dataclass(frozen=True)
class Sample:
    paddle: int
    raw: int
    t_us: int


@dataclass(frozen=True)
class SensorFault:
    paddle: int
    message: str


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes


@dataclass(frozen=True)
class LinkChanged:
    state: LinkState


@dataclass(frozen=True)
class Delivered:
    mid: int


@dataclass(frozen=True)
class Auctioneer:
    action: str
    fields: dict[str, Any]


def sampled(item: Reading | Fault) -> Sample | SensorFault:
    """A reading from the sampler process as an event of the loop (its time is the factory's: both are
    time.monotonic)."""
    if isinstance(item, Fault):
        return SensorFault(item.paddle, item.message)
    return Sample(item.paddle, item.raw, int(item.at * 1_000_000))


class HallBox:
    def __init__(self, config: HallBoxConfig, paddles: list[Paddle], store: HallStore, ticks: Callable[[], float],
                 simulator: Any = None, on_change: Callable[[HallState], None] | None = None,
                 wall_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000):
        self.config, self.paddles, self.store, self.ticks = config, {p.number: p for p in paddles}, store, ticks
        self.simulator, self.on_change = simulator, on_change or (lambda state: None)
        self.wall_ms = wall_ms
        self.lot_received = time.monotonic()
        self.hall, self.sale = config.sale.hall, config.sale.id
        self.events: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.trackers = {n: core.PaddleTracker(n, config.press) for n in self.paddles}
        self.calibration: dict[int, Calibration] = store.calibrations()
        self.tare: dict[int, list[int]] = {n: [] for n in self.paddles if n not in self.calibration}
        self.state = HallState(self.sale, self.hall, {n: PaddleState(n, calibrated=n in self.calibration) for n in self.paddles})
        self.state.waiting = store.count()
        self.in_flight: dict[int, int] = {}        # paho mid -> outbox row of a press detail
        self.link_up = False                        # as the loop sees it: replay happens first
        remembered = store.recall("lot")
        self.state.lot = decode(remembered, messages.LotState, limit=1 << 20) if remembered else None
        subscriptions = [(topics.HALL_RESULT.format(hall=self.hall), 1), (topics.HALL_NOTICE.format(hall=self.hall), 1),
                         (topics.LOT_STATE.format(sale=self.sale), 1), (topics.SALE_MESSAGE.format(sale=self.sale), 1),
                         (topics.HOUSE_AVATAR.filter(), 1)]
        if simulator is not None:
            subscriptions.append((topics.SIM_PRESS.format(hall=self.hall), 1))
        presence = topics.HALL_PRESENCE.format(hall=self.hall)
        self.link = Link(config.broker, config.hall.client_id, subscriptions,
                         on_message=lambda t, p: self.events.put(Received(t, p)),
                         on_state=lambda s: self.events.put(LinkChanged(s)),
                         on_delivered=lambda mid: self.events.put(Delivered(mid)),
                         will=(presence, encode(messages.Presence(online=False))))
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, name="hall-loop", daemon=True)]

    # ---- lifecycle --------------------------------------------------------------------------
    def start(self) -> "HallBox":
        for paddle in self.paddles.values():
            self._watch(paddle)
        for thread in self._threads:
            thread.start()
        self.link.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.link.stop()
        for thread in self._threads:
            thread.join(timeout=5)
        for paddle in self.paddles.values():
            paddle.close()
        self.store.close()

    def _watch(self, paddle: Paddle) -> None:
        button = paddle.button
        number = paddle.number

        def closed() -> None:
            self.events.put(Edge(number, True, self._edge_us(button.active_time)))

        def opened() -> None:
            self.events.put(Edge(number, False, self._edge_us(button.inactive_time)))

        button.when_pressed, button.when_released = closed, opened
        paddle.load_cell.listen(lambda item: self.events.put(sampled(item)))

    def arbiter_now_ms(self) -> int:
        """The arbiter's clock as this box estimates it: the lot state's publication time plus the
        monotonic time since it arrived. A Dutch price named from it survives a jump of this box's
        own wall clock (NTP stepping, a dead RTC battery on a Pi)."""
        lot = self.state.lot
        if lot is None or lot.at_ms is None:
            return self.wall_ms()
        return lot.at_ms + int((time.monotonic() - self.lot_received) * 1000)

    def _edge_us(self, since: float | None) -> int:
        """The edge's own tick: the factory's clock minus how long the button has been in its state."""
        return int((self.ticks() - (since or 0.0)) * 1_000_000)

    # ---- the loop ---------------------------------------------------------------------------
    def submit(self, action: str, **fields: Any) -> None:
        """An auctioneer command from the keyboard or the CLI; it goes through the outbox too."""
        self.events.put(Auctioneer(action, fields))

    def _loop(self) -> None:
        refreshed = 0.0
        while not self._stop.is_set():
            try:
                event = self.events.get(timeout=0.01)
            except queue.Empty:
                event = None
            try:
                changed = self._handle(event) if event is not None else False
                if time.monotonic() - refreshed > REFRESH_S:   # clocks and "down for N s" move on their own
                    changed, refreshed = True, time.monotonic()
                now_us = int(self.ticks() * 1_000_000)
                for tracker in self.trackers.values():
                    changed = self._outputs(tracker.tick(now_us)) or changed
                for number, tracker in self.trackers.items():   # debounced, as the tracker decided
                    paddle = self.state.paddles[number]
                    changed = changed or paddle.pressed != tracker.pressed
                    paddle.pressed = tracker.pressed
                if changed:
                    self.on_change(self.state)
            except Exception:                         # a bad event must not stop the hall
                log.exception("hall box loop: event %r failed", event)

    def _handle(self, event: Any) -> bool:
        if isinstance(event, Edge):
            self._outputs(self.trackers[event.paddle].edge(event.closed, event.t_us))
            return True
        if isinstance(event, Sample):
            return self._sampled(event)
        if isinstance(event, SensorFault):
            self.state.paddles[event.paddle].sensor_fault = event.message
            return True
        if isinstance(event, Received):
            return self._received(event.topic, event.payload)
        if isinstance(event, LinkChanged):
            return self._link_changed(event.state)
        if isinstance(event, Delivered):
            row = self.in_flight.pop(event.mid, None)
            if row is not None:
                self.store.delivered(row)
            return False
        if isinstance(event, Auctioneer):
            command_id = f"{self.hall}-{uuid.uuid4().hex[:12]}"
            command = messages.Command(command_id=command_id, action=event.action, **event.fields)
            self._send(command_id, "command", topics.HALL_COMMAND.format(hall=self.hall), encode(command))
            return True
        return False

    def _sampled(self, sample: Sample) -> bool:
        paddle = self.state.paddles[sample.paddle]
        paddle.sensor_fault = ""
        if sample.paddle in self.tare:                # no stored calibration: tare on the first samples
            readings = self.tare[sample.paddle]
            readings.append(sample.raw)
            if len(readings) < TARE_SAMPLES:
                return False
            self.calibration[sample.paddle] = Calibration(sorted(readings)[len(readings) // 2], DEFAULT_COUNTS_PER_KG)
            del self.tare[sample.paddle]
        grams = self.calibration[sample.paddle].grams(sample.raw)
        return self._outputs(self.trackers[sample.paddle].sample(grams, sample.t_us))

    def _outputs(self, outputs: list[core.Output]) -> bool:
        changed = False
        for output in outputs:
            if isinstance(output, core.ForceNow):
                paddle = self.state.paddles[output.paddle]
                changed = changed or (paddle.force, paddle.tier) != (output.grams, output.tier)
                paddle.force, paddle.tier = output.grams, output.tier
            elif isinstance(output, core.PressDecided):
                self._bid(output)
                changed = True
            elif isinstance(output, core.PressReleased):
                self._press_detail(output)
            elif isinstance(output, core.Touched):
                self.state.intents.append((output.paddle, output.peak_grams))
                del self.state.intents[:-8]
                changed = True
        return changed

    def _bid(self, decided: core.PressDecided) -> None:
        lot = self.state.lot
        paddle = self.state.paddles[decided.paddle]
        amount = bid_amount(lot, decided.tier, self.arbiter_now_ms())
        if lot is None or amount is None:
            paddle.feedback = (f"lot {lot.lot} is {lot.status.replace('_', ' ')}" if lot else "no lot is open") + ": the press was not a bid"
            return
        bid_id = f"{self.hall}-{decided.paddle}-{uuid.uuid4().hex[:12]}"
        bid = messages.Bid(bid_id=bid_id, lot=lot.lot, amount=amount, currency=lot.currency, paddle=decided.paddle,
                           sent_at_ms=max(0, self.wall_ms()))
        sent = self._send(bid_id, "bid", topics.HALL_BID.format(hall=self.hall), encode(bid))
        record = BidRecord(bid_id, lot.lot, amount, decided.tier, decided.pressed_us, decided.decided_us, "sent" if sent else "queued")
        self.state.record(decided.paddle, record)
        jump = f" (+{decided.tier} increment{'s' if decided.tier > 1 else ''})" if decided.tier else ""
        paddle.feedback = (f"bid {format_amount(amount, lot.currency)}{jump}"
                           + ("" if sent else ": the link is down, your bid is kept and will be sent"))

    def _press_detail(self, released: core.PressReleased) -> None:
        bids = self.state.paddles[released.paddle].bids
        if not bids:
            return
        detail = messages.Press(bid_id=bids[-1].bid_id, paddle=released.paddle,
                                peak_grams=max(0, min(released.peak_grams, 1_000_000)), duration_ms=min(released.duration_ms, 3_600_000))
        self._send(bids[-1].bid_id, "press", topics.HALL_PRESS.format(hall=self.hall), encode(detail))

    def _send(self, key: str, kind: str, topic: str, payload: bytes) -> bool:
        """Outbox first (durable), then the wire if the link is up. True if it went out now."""
        row = self.store.add(key, kind, topic, payload)
        self.state.waiting = self.store.count()
        if not self.link_up:
            return False
        mid = self.link.publish(topic, payload)
        if mid is not None and kind == "press":
            self.in_flight[mid] = row.id
        return mid is not None

    def _link_changed(self, state: LinkState) -> bool:
        self.state.link_up, self.state.link_since = state.up, state.since
        if state.up and not self.link_up:
            self.link_up = True
            self.link.publish(topics.HALL_PRESENCE.format(hall=self.hall), encode(messages.Presence(online=True)), retain=True)
            for pending in self.store.pending():          # press order, before anything newer
                mid = self.link.publish(pending.topic, pending.payload)
                if mid is not None and pending.kind == "press":
                    self.in_flight[mid] = pending.id
            for paddle in self.state.paddles.values():
                for bid in paddle.bids:
                    bid.status = "sent" if bid.status == "queued" else bid.status
        elif not state.up:
            self.link_up = False
        return True

    def _received(self, topic: str, payload: bytes) -> bool:
        parsed = topics.parse(topic)
        if parsed is None:
            return False
        kind = parsed[0]
        try:
            if kind is topics.LOT_STATE:
                self.state.lot = decode(payload, messages.LotState, limit=1 << 20)
                self.lot_received = time.monotonic()
                self.state.lot_statuses[self.state.lot.lot] = self.state.lot.status
                self.store.remember("lot", payload)
            elif kind is topics.HALL_RESULT:
                self._answered(decode(payload, (messages.BidResult, messages.CommandResult, messages.Error)))
            elif kind in (topics.HALL_NOTICE, topics.SALE_MESSAGE):
                notice = decode(payload, messages.Notice, limit=1 << 16)
                self.state.note(notice.text if kind is topics.HALL_NOTICE else f"to online bidders: {notice.text}")
            elif kind is topics.HOUSE_AVATAR:
                self._save_avatar(parsed[1]["account"], payload)
            elif kind is topics.SIM_PRESS and self.simulator is not None:
                order = decode(payload, messages.SimPress)
                self.simulator.press(order.paddle, order.grams, order.hold_ms, button=order.button)
        except (ProtocolError, KeyError, ValueError, OSError) as exc:
            log.warning("ignored a message on %s: %s", topic, exc)
            return False
        return True

    def _save_avatar(self, account: str, image: bytes) -> None:
        """A registered bidder's avatar, checked again here, into the media folder the screens draw from."""
        path = Path(self.config.display.media) / avatar_ref(account, check_avatar(image))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".part").write_bytes(image)
        path.with_suffix(".part").replace(path)

    def _answered(self, answer: messages.Message) -> None:
        if isinstance(answer, messages.CommandResult):
            self.store.done(answer.command_id)
            self.state.note(f"{answer.status}: {answer.message}")
        elif isinstance(answer, messages.BidResult):
            self.store.done(answer.bid_id)
            found = self.state.find(answer.bid_id)
            if found:
                paddle, bid = found
                bid.status, bid.message = answer.status, answer.message
                paddle.feedback = answer.message
        elif isinstance(answer, messages.Error) and answer.ref:
            self.store.done(answer.ref)            # it can never succeed: show why, stop resending
            found = self.state.find(answer.ref)
            if found:
                found[1].status, found[1].message = "rejected", answer.message
            self.state.note(f"refused {answer.ref}: {answer.message}")
        self.state.waiting = self.store.count()
