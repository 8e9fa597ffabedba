"""Poison messages: one that killed the arbiter while being read must not kill every restart.

The broker redelivers an unacknowledged message with its DUP flag set. Only such a redelivery is
recorded here (durably, before it is read), and its record is dropped once reading it returned; so
the hot path pays nothing, and a record still standing when the same message comes again means the
process died reading it. The second such death quarantines it: answered as malformed, acknowledged,
never read again. Records of quarantined messages stay (topic, size, hash) for the house to inspect.
"""
from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

CRASHES = 2        # deaths while reading the same message before it is quarantined


class Quarantine:
    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)   # the network thread's alone
        self.db.execute("PRAGMA journal_mode=WAL")       # one fsync per record: a backlog redelivered after a crash stays quick
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS redelivered (key TEXT PRIMARY KEY, topic TEXT NOT NULL, size INTEGER NOT NULL,"
                        " attempts INTEGER NOT NULL, first_ms INTEGER NOT NULL, quarantined INTEGER NOT NULL DEFAULT 0)")

    @staticmethod
    def _key(topic: str, payload: bytes) -> str:
        return hashlib.sha256(topic.encode("utf-8", "surrogateescape") + b"\n" + payload).hexdigest()

    def attempt(self, topic: str, payload: bytes) -> bool:
        """Record that a redelivered message is about to be read; True if it must not be (quarantined).
        The first delivery died unrecorded, so the record's first attempt is already the second death's."""
        key = self._key(topic, payload)
        self.db.execute("INSERT INTO redelivered (key, topic, size, attempts, first_ms) VALUES (?, ?, ?, 1, ?)"
                        " ON CONFLICT(key) DO UPDATE SET attempts = attempts + 1",
                        (key, topic.encode("utf-8", "backslashreplace").decode(), len(payload), time.time_ns() // 1_000_000))
        (attempts,) = self.db.execute("SELECT attempts FROM redelivered WHERE key = ?", (key,)).fetchone()
        if attempts < CRASHES:
            return False
        self.db.execute("UPDATE redelivered SET quarantined = 1 WHERE key = ?", (key,))
        return True

    def survived(self, topic: str, payload: bytes) -> None:
        """Reading the redelivered message returned: it is not poison."""
        self.db.execute("DELETE FROM redelivered WHERE key = ? AND quarantined = 0", (self._key(topic, payload),))

    def quarantined(self) -> list[tuple[str, int]]:
        """(topic, size) of every quarantined message, oldest first."""
        return self.db.execute("SELECT topic, size FROM redelivered WHERE quarantined = 1 ORDER BY first_ms").fetchall()

    def close(self) -> None:
        self.db.close()
