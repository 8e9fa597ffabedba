"""The arbiter's journal: every sequenced command and the events it produced, in SQLite.

One row per command that changed something. Rows are written in batches in one transaction with
`synchronous=FULL` (group commit): nothing that depends on a row is published before it commits.
State is rebuilt by applying the journaled events in order (`replay`).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite3

import sqlite_utils

from cloud import codec
from cloud.core.commands import Stamped
from cloud.core.state import AuctionState, apply


@dataclass(frozen=True)
class Entry:
    stamped: Stamped
    events: list[Any]


class Journal:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        if "journal" not in db.table_names():
            db["journal"].create({"seq": int, "ts": int, "command": str, "events": str}, pk="seq")

    @classmethod
    def open(cls, path: str | Path) -> "Journal":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Written by the engine thread only, after being opened (and replayed) on the main thread.
        return cls(sqlite_utils.Database(sqlite3.connect(path, check_same_thread=False, isolation_level=None)))

    def append(self, entries: list[Entry]) -> None:
        """Commit a batch durably, or raise: the caller must not publish anything if this fails."""
        rows = [(e.stamped.seq, e.stamped.ts, codec.dumps(e.stamped.command), codec.dumps(e.events)) for e in entries]
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT INTO journal (seq, ts, command, events) VALUES (?, ?, ?, ?)", rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def entries(self, after_seq: int = 0) -> Iterator[Entry]:
        cursor = self.db.execute("SELECT seq, ts, command, events FROM journal WHERE seq > ? ORDER BY seq", [after_seq])
        for seq, ts, command, events in cursor:
            yield Entry(Stamped(seq, ts, codec.loads(command)), codec.loads(events))

    def last(self) -> tuple[int, int]:
        """(last seq, last ts) so a restarted arbiter continues the sequence and never runs time backwards."""
        row = self.db.execute("SELECT seq, ts FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, 0)

    def close(self) -> None:
        self.db.close()


def replay(journal: Journal) -> AuctionState:
    """The state the journal describes: every journaled event applied in order."""
    state = AuctionState()
    for entry in journal.entries():
        for event in entry.events:
            apply(event, state)
    return state
