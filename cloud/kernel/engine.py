"""The house's one thread: inbox -> stamp seq/ts -> decide -> journal commit -> publish -> ack.

Commands are taken in batches (group commit): every command of a batch is decided in order, the
batch's journal rows are committed in one fsync'd transaction, and only then are answers and
retained states published and the inbound MQTT messages acknowledged. A crash before the commit
loses nothing: the broker redelivers every unacknowledged message to the restarted house.
The engine knows no domain: the House routes each command to the domain that decides it.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cloud.kernel.domain import House, Publication, Stamped, Tick
from cloud.kernel.store import Entry, Journal

log = logging.getLogger(__name__)

# Commands (seq) between snapshots: a start replays at most this many commands' events after the newest
# (1.4-1.9 events a command in bench.kernel: a 28,000-39,000 event tail, 0.4-0.6 s of a start). Not more
# often: at 1M events a snapshot costs the engine thread ~0.9 s a write (21 MB pickled, sealed, committed),
# and a bid arriving meanwhile waits for it; halving the tail saves ~0.2 s of a start, which is rare.
SNAPSHOT_EVERY = 20_000


@dataclass(frozen=True)
class Inbound:
    """One item for the engine: a command to decide, a ready reply (a refused message), or a question
    to run on the engine thread against the current state (`ask`: what it returns is published with
    the batch, after its commit); plus the inbound message's ack."""
    command: Any | None
    ack: Callable[[], None] | None = None
    reply: Publication | None = None
    ask: Callable[[House], list[Publication] | None] | None = None


class Clock:
    """Wall-clock milliseconds that never run backwards, even across restarts or a clock step."""

    def __init__(self, floor_ms: int = 0):
        self._last = floor_ms

    def __call__(self) -> int:
        self._last = max(self._last, time.time_ns() // 1_000_000)
        return self._last


class Engine:
    def __init__(self, house: House, journal: Journal, publish: Callable[[list[Publication]], None],
                 clock: Callable[[], int] | None = None, batch_max: int = 2048, snapshot_every: int = SNAPSHOT_EVERY):
        self.house, self.journal, self.publish = house, journal, publish
        self.snapshot_seq = journal.load(house)
        self.seq, last_ts = journal.last()
        self.clock = clock or Clock(last_ts)
        self.batch_max, self.snapshot_every = batch_max, snapshot_every
        self.inbox: queue.SimpleQueue[Inbound] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def submit(self, item: Inbound | Any) -> None:
        self.inbox.put(item if isinstance(item, Inbound) else Inbound(item))

    def start(self) -> "Engine":
        self._thread = threading.Thread(target=self.run, name="house-engine", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Finish what was queued, then write a snapshot so the next start replays nothing."""
        self._stop.set()
        self.inbox.put(Inbound(None))
        if self._thread:
            self._thread.join(timeout=5)
        if self.seq > self.snapshot_seq:
            self.snapshot()

    def run(self) -> None:
        """Fail-stop: if a batch cannot be decided and committed, the process ends (and is restarted
        by its supervisor, replaying the journal) rather than carry on with state nobody can trust."""
        try:
            while not self._stop.is_set():
                batch = self._next_batch()
                if batch:
                    self.process(batch)
                if self.seq - self.snapshot_seq >= self.snapshot_every and self.inbox.empty():
                    self.snapshot()                 # only when idle: a snapshot never delays a waiting bid
        except BaseException:
            log.critical("house engine failed; stopping the process", exc_info=True)
            os._exit(70)

    def snapshot(self) -> None:
        self.journal.save_snapshot(self.seq, self.house)
        self.snapshot_seq = self.seq

    def _next_batch(self) -> list[Inbound]:
        deadline = self.house.deadline()
        timeout = None if deadline is None else max(0.0, (deadline - self.clock()) / 1000)
        try:
            batch = [self.inbox.get(timeout=timeout)]
        except queue.Empty:
            return [Inbound(Tick())]
        while len(batch) < self.batch_max:
            try:
                batch.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def process(self, batch: list[Inbound]) -> None:
        """Decide a batch, commit it, then (and only then) publish the answers, work out and publish the
        retained states the batch changed (depth, statements, a kind's market), and acknowledge."""
        entries: list[Entry] = []
        out: list[Publication] = []
        changed: list[Any] = []
        for item in batch:
            if item.reply is not None:
                out.append(item.reply)
            if item.ask is not None:
                out.extend(item.ask(self.house) or ())
            if item.command is None:
                continue
            stamped = Stamped(self.seq + 1, self.clock(), item.command)
            events = self.house.handle(stamped)
            if not events:
                continue
            self.seq = stamped.seq
            entries.append(Entry(stamped, events))
            out.extend(self.house.publications(events))
            changed.extend(events)
        if entries:
            self.journal.append(entries)      # raises on failure: nothing below happens
        if out:
            self.publish(out)                 # answers and notices first: nobody waits on the states worked out next
        settled = self.house.settled(changed, self.seq, self.clock()) if changed else []
        if settled:
            self.publish(settled)
        for item in batch:
            if item.ack is not None:
                item.ack()

    def state_hash(self) -> str:
        return self.house.state_hash()


def run_sync(engine: Engine, commands: list[Any]) -> None:
    """Decide commands on the caller's thread (tests and set-up before the engine thread starts)."""
    engine.process([Inbound(c) for c in commands])
