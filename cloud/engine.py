"""The arbiter's one thread: inbox -> stamp seq/ts -> decide -> journal commit -> publish -> ack.

Commands are taken in batches (group commit): every command of a batch is decided in order, the
batch's journal rows are committed in one fsync'd transaction, and only then are results and lot
state published and the inbound MQTT messages acknowledged. A crash before the commit loses
nothing: the broker redelivers every unacknowledged bid to the restarted arbiter.
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

from cloud.core.arbiter import handle, next_deadline
from cloud.core.commands import Command, Stamped, Tick
from cloud.journal import Entry, Journal, replay
from cloud.outbound import CATALOG_CHANGING, LOT_CHANGING, Publication, catalog_publication, lot_publication, publications

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inbound:
    """One item for the engine: a command to decide, or a ready reply (a refused message), plus its ack."""
    command: Command | None
    ack: Callable[[], None] | None = None
    reply: Publication | None = None


class Clock:
    """Wall-clock milliseconds that never run backwards, even across restarts or a clock step."""

    def __init__(self, floor_ms: int = 0):
        self._last = floor_ms

    def __call__(self) -> int:
        self._last = max(self._last, time.time_ns() // 1_000_000)
        return self._last


class Engine:
    def __init__(self, journal: Journal, publish: Callable[[list[Publication]], None],
                 clock: Callable[[], int] | None = None, batch_max: int = 2048):
        self.journal = journal
        self.publish = publish
        self.state = replay(journal)
        self.seq, last_ts = journal.last()
        self.clock = clock or Clock(last_ts)
        self.batch_max = batch_max
        self.inbox: queue.SimpleQueue[Inbound] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def submit(self, item: Inbound | Command) -> None:
        self.inbox.put(item if isinstance(item, Inbound) else Inbound(item))

    def start(self) -> "Engine":
        self._thread = threading.Thread(target=self.run, name="arbiter-engine", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.inbox.put(Inbound(None))
        if self._thread:
            self._thread.join(timeout=5)

    def run(self) -> None:
        """Fail-stop: if a batch cannot be decided and committed, the process ends (and is restarted
        by its supervisor, replaying the journal) rather than carry on with state nobody can trust."""
        try:
            while not self._stop.is_set():
                batch = self._next_batch()
                if batch:
                    self.process(batch)
        except BaseException:
            log.critical("arbiter engine failed; stopping the process", exc_info=True)
            os._exit(70)

    def _next_batch(self) -> list[Inbound]:
        deadline = next_deadline(self.state)
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
        """Decide a batch, commit it, then (and only then) publish and acknowledge."""
        entries: list[Entry] = []
        out: list[Publication] = []
        lot_changed = catalog_changed = False
        for item in batch:
            if item.reply is not None:
                out.append(item.reply)
            if item.command is None:
                continue
            stamped = Stamped(self.seq + 1, self.clock(), item.command)
            events = handle(self.state, stamped)
            if not events:
                continue
            self.seq = stamped.seq
            entries.append(Entry(stamped, events))
            out.extend(publications(self.state, events))
            lot_changed = lot_changed or any(isinstance(e, LOT_CHANGING) for e in events)
            catalog_changed = catalog_changed or any(isinstance(e, CATALOG_CHANGING) for e in events)
        if entries:
            self.journal.append(entries)      # raises on failure: nothing below happens
        if lot_changed:
            state = lot_publication(self.state, self.seq, self.clock())
            out += [state] if state else []
        if catalog_changed:
            run_list = catalog_publication(self.state)
            out += [run_list] if run_list else []
        if out:
            self.publish(out)
        for item in batch:
            if item.ack is not None:
                item.ack()

    def snapshot_hash(self) -> str:
        return self.state.state_hash()


def run_sync(engine: Engine, commands: list[Any]) -> None:
    """Decide commands on the caller's thread (tests and the demo's set-up)."""
    engine.process([Inbound(c) for c in commands])
