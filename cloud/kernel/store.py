"""A house's journal and snapshots, in one SQLite file.

The journal holds one row per sequenced command that changed something: the command and the
events it produced, written in batches, one transaction each, with `synchronous=FULL` (group
commit): nothing that depends on a row is published before it commits. Snapshots (every N events
and on a clean stop) hold every domain's state, sealed with a SHA-256 over the code's fingerprint
and the state's bytes; a house starts from the newest snapshot that still matches its seal, then
applies the journal after it. A snapshot that does not (damaged, tampered with, or written by other
code) is discarded, never trusted: an older one or the full replay is used instead.

A house is created once (`create`) and resumed ever after (`resume`): an empty or missing journal
is never taken for a new house, so a lost file cannot silently restart a sale at seq 1.
"""
from __future__ import annotations

import functools
import gc
import hashlib
import inspect
import logging
import pickle
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloud.kernel.codec import Codec
from cloud.kernel.domain import House, Stamped

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS house (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, command TEXT NOT NULL, events TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot (seq INTEGER PRIMARY KEY, state_hash TEXT NOT NULL, state BLOB NOT NULL);  -- state_hash: the seal
"""


class JournalError(RuntimeError):
    """The journal cannot be used as asked: the message says why and what to do."""


@dataclass(frozen=True)
class Entry:
    stamped: Stamped
    events: list[Any]


class Journal:
    def __init__(self, conn: sqlite3.Connection, codec: Codec, path: Path):
        self.conn, self.codec, self.path = conn, codec, path
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")

    @classmethod
    def create(cls, path: str | Path, codec: Codec, house_id: str) -> "Journal":
        """A new house's journal. Refuses a file that exists: that is a house to resume."""
        path = Path(path)
        if path.exists():
            raise JournalError(f"{path} exists: resume that house, or choose another file for a new one")
        path.parent.mkdir(parents=True, exist_ok=True)
        journal = cls(_connect(path), codec, path)
        journal.conn.executescript(SCHEMA)
        journal.conn.execute("INSERT INTO house VALUES ('id', ?)", [house_id])
        return journal

    @classmethod
    def resume(cls, path: str | Path, codec: Codec) -> "Journal":
        """An existing house's journal, which must be there and whole."""
        path = Path(path)
        if not path.exists():
            raise JournalError(f"{path} does not exist: to start a new house say so (--new); to resume, restore the journal")
        if path.stat().st_size == 0:
            raise JournalError(f"{path} is empty: it is not a house's journal (restore it from a backup, or start a new house with --new)")
        conn = _connect(path)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"{path} is not a readable journal: {exc}") from exc
        if not {"house", "journal", "snapshot"} <= tables or conn.execute("SELECT value FROM house WHERE key='id'").fetchone() is None:
            raise JournalError(f"{path} is not a house's journal (no house record)")
        return cls(conn, codec, path)

    @classmethod
    def open(cls, path: str | Path, codec: Codec, house_id: str, new: bool) -> "Journal":
        return cls.create(path, codec, house_id) if new else cls.resume(path, codec)

    def house_id(self) -> str:
        return self.conn.execute("SELECT value FROM house WHERE key='id'").fetchone()[0]

    def append(self, entries: list[Entry]) -> None:
        """Commit a batch durably, or raise: the caller must not publish anything if this fails."""
        dumps = self.codec.dumps
        rows = [(e.stamped.seq, e.stamped.ts, dumps(e.stamped.command), dumps(e.events)) for e in entries]
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.executemany("INSERT INTO journal (seq, ts, command, events) VALUES (?, ?, ?, ?)", rows)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def entries(self, after_seq: int = 0) -> Iterator[Entry]:
        loads = self.codec.loads
        cursor = self.conn.execute("SELECT seq, ts, command, events FROM journal WHERE seq > ? ORDER BY seq", [after_seq])
        for seq, ts, command, events in cursor:
            yield Entry(Stamped(seq, ts, loads(command)), loads(events))

    def events(self, after_seq: int = 0, upto_seq: int | None = None, mentioning: str | None = None) -> Iterator[Any]:
        """Only the events, in order: what replay needs (commands are not decoded). `mentioning`: only
        the rows whose journaled text holds it (`Codec.mention`), picked out by SQLite undecoded."""
        loads = self.codec.loads
        where = "seq > ? AND seq <= ?" + ("" if mentioning is None else " AND instr(events, ?) > 0")
        rows = self.conn.execute(f"SELECT events FROM journal WHERE {where} ORDER BY seq",
                                 [after_seq, 2**62 if upto_seq is None else upto_seq, *([] if mentioning is None else [mentioning])])
        for (events,) in rows:
            yield from loads(events)

    def last(self) -> tuple[int, int]:
        """(last seq, last ts) so a restarted house continues the sequence and never runs time backwards."""
        row = self.conn.execute("SELECT seq, ts FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, 0)

    def save_snapshot(self, seq: int, house: House) -> None:
        blob, seal = sealed(house)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute("INSERT OR REPLACE INTO snapshot VALUES (?, ?, ?)", [seq, seal, blob])
            self.conn.execute("DELETE FROM snapshot WHERE seq NOT IN (SELECT seq FROM snapshot ORDER BY seq DESC LIMIT 2)")
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def load(self, house: House) -> int:
        """Bring `house` to the journal's end: newest trustworthy snapshot, then the events after it.
        Returns the seq the snapshot covered (0: a full replay)."""
        rows = self.conn.execute("SELECT seq, state_hash, state FROM snapshot ORDER BY seq DESC")
        start = restore(house, rows)
        for event in self.events(start):
            house.apply(event)
        return start

    def backup(self, destination: str | Path) -> None:
        """A consistent copy while the house runs (SQLite's online backup API, WAL included)."""
        destination = Path(destination)
        if destination.exists():
            raise JournalError(f"{destination} exists: choose a new file for the backup")
        target = sqlite3.connect(destination)
        try:
            self.conn.backup(target)
        finally:
            target.close()

    def close(self) -> None:
        self.conn.close()


def fingerprint(house: House) -> bytes:
    """The code that defines the house's state and rules (every module of each domain's package, and
    the modules its journaled types live in): a snapshot is only read back by the code that wrote it;
    after a deploy the first start replays the journal."""
    return _fingerprint(tuple(type(d) for d in house.domains), tuple(m.__name__ for d in house.domains for m in d.modules))


@functools.cache
def _fingerprint(kinds: tuple[type, ...], modules: tuple[str, ...]) -> bytes:
    files = {p for kind in kinds for p in Path(inspect.getfile(kind)).parent.glob("*.py")}
    files |= {Path(inspect.getfile(sys.modules[name])) for name in modules}
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


def sealed(house: House) -> tuple[bytes, str]:
    """Every domain's state as bytes, and its seal: SHA-256 over the code's fingerprint and the bytes,
    taken from the live state as it is written. Cheap whatever the state's size (no walk in Python),
    so a snapshot never stalls the engine and a start never re-hashes the whole house."""
    blob = pickle.dumps(house.states, protocol=pickle.HIGHEST_PROTOCOL)
    return blob, "sha256:" + hashlib.sha256(fingerprint(house) + blob).hexdigest()


def restore(house: House, snapshots: Iterable[tuple[int, str, bytes]]) -> int:
    """Load the newest snapshot (of `(seq, seal, blob)`, newest first) whose bytes still match their seal
    under today's code; a damaged, tampered or stale one is discarded, never trusted. Returns its seq,
    or 0 with `house` reset for a full replay. (That a snapshot restores exactly what a replay builds
    is the kernel's tested property: snapshot + tail gives the state hash of a full replay.)"""
    code = fingerprint(house)
    for seq, seal, blob in snapshots:
        if seal != "sha256:" + hashlib.sha256(code + bytes(blob)).hexdigest():
            log.warning("snapshot at seq %d does not match its seal (damaged, or written by other code): discarded", seq)
            continue
        collecting = gc.isenabled()
        gc.disable()                                  # else the collector rescans what is loaded so far, again and again (363 -> 134 ms at 1M events)
        try:
            house.states = pickle.loads(blob)
            return seq
        except Exception as exc:                      # sealed yet unreadable: whatever it raises, it is not trusted
            log.warning("snapshot at seq %d cannot be read (%s): discarded", seq, exc)
        finally:
            if collecting:
                gc.enable()
    house.states = {d.name: d.initial() for d in house.domains}
    return 0


def _connect(path: Path) -> sqlite3.Connection:
    # Written by the engine thread only, after being opened (and replayed) on the main thread.
    return sqlite3.connect(path, check_same_thread=False, isolation_level=None)
