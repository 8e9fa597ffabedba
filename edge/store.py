"""The hall box's own state in SQLite: the outbox, calibrations, the last lot state seen.

The outbox is what makes a press survive anything: a bid is committed here (WAL, synchronous=FULL)
before it is published, and leaves only when the arbiter's answer for it arrives; a press detail
leaves when the broker acknowledges it. Rows are replayed in press order (their id) on reconnect.
Used by the hall box's one loop thread only.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from edge.core.calibration import Calibration


@dataclass(frozen=True)
class Pending:
    id: int
    key: str           # bid_id or command_id: how the answer finds it
    kind: str          # bid | press | command
    topic: str
    payload: bytes


class HallStore:
    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(sqlite3.connect(str(path), check_same_thread=False, isolation_level=None))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        tables = set(self.db.table_names())
        if "outbox" not in tables:
            self.db.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, kind TEXT NOT NULL, "
                            "topic TEXT NOT NULL, payload BLOB NOT NULL, created_ms INTEGER NOT NULL)")
            self.db.execute("CREATE INDEX outbox_key ON outbox (key)")
        if "calibration" not in tables:
            self.db["calibration"].create({"paddle": int, "offset": int, "counts_per_kg": int, "at_ms": int}, pk="paddle")
        if "memory" not in tables:
            self.db["memory"].create({"name": str, "value": bytes}, pk="name")

    # ---- outbox -----------------------------------------------------------------------------
    def add(self, key: str, kind: str, topic: str, payload: bytes) -> Pending:
        cursor = self.db.execute("INSERT INTO outbox (key, kind, topic, payload, created_ms) VALUES (?, ?, ?, ?, ?)",
                                 [key, kind, topic, payload, time.time_ns() // 1_000_000])
        return Pending(cursor.lastrowid, key, kind, topic, payload)  # type: ignore[arg-type]

    def pending(self) -> list[Pending]:
        rows = self.db.execute("SELECT id, key, kind, topic, payload FROM outbox ORDER BY id").fetchall()
        return [Pending(*row) for row in rows]

    def done(self, key: str, kinds: tuple[str, ...] = ("bid", "command")) -> bool:
        """The answer for `key` arrived: forget it. False if nothing was waiting (a repeated answer)."""
        marks = ",".join("?" * len(kinds))
        return self.db.execute(f"DELETE FROM outbox WHERE key = ? AND kind IN ({marks})", [key, *kinds]).rowcount > 0

    def delivered(self, row_id: int) -> None:
        self.db.execute("DELETE FROM outbox WHERE id = ? AND kind = 'press'", [row_id])

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM outbox WHERE kind != 'press'").fetchone()[0]

    # ---- calibration and memory --------------------------------------------------------------
    def save_calibration(self, paddle: int, calibration: Calibration) -> None:
        self.db["calibration"].upsert({"paddle": paddle, "offset": calibration.offset,
                                       "counts_per_kg": calibration.counts_per_kg, "at_ms": time.time_ns() // 1_000_000}, pk="paddle")

    def calibrations(self) -> dict[int, Calibration]:
        return {row["paddle"]: Calibration(row["offset"], row["counts_per_kg"]) for row in self.db["calibration"].rows}

    def remember(self, name: str, value: bytes) -> None:
        self.db["memory"].upsert({"name": name, "value": value}, pk="name")

    def recall(self, name: str) -> bytes | None:
        row = self.db.execute("SELECT value FROM memory WHERE name = ?", [name]).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self.db.close()
