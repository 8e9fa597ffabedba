"""A house's journal and snapshots in PostgreSQL: the replicated backend, one writer per house.

Same interface and the same group commit as the SQLite `Journal` (cloud/kernel/store.py): a batch
is one transaction, committed before anything that depends on it is published. Many houses share
one database; a house's location is the server's URL with the house as its fragment
(`postgresql://host:port/db#h1`).

Fencing, so a failover cannot make two writers:
- Ownership is a lease: one row per house with its owner, an epoch and an expiry, taken by an
  engine only when it has expired (the epoch then goes up), renewed by its owner (a keeper thread,
  and every append). Expiry is judged by the database's clock alone: no two machines' clocks are
  ever compared.
- Every append first renews the lease *for its owner and epoch*, in the same transaction as the
  rows: an engine whose lease was taken over finds no row to renew and raises `Fenced` before it
  has written (or published) anything. The renewal's row lock serialises an append against a
  takeover: whichever commits first, the other sees it.
- Journal rows are keyed (house, seq), so even a writer that somehow passed the lease check cannot
  insert a seq the new owner wrote: its insert conflicts and it raises `Fenced` too.
- A writer frozen inside a transaction (SIGSTOP) would hold the lease row's lock forever: the server
  ends such a session after `idle_in_transaction_session_timeout` (the lease's length).
Losing the lease is fatal to the engine (fail-stop, exit 70): a restarted process replays from the
journal and waits for the lease like any standby.
Why a lease in PostgreSQL rather than JetStream's expected-last-sequence: docs/cluster.md.
"""
from __future__ import annotations

import hashlib
import logging
import os
import socket
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

import psycopg

from cloud.kernel.codec import Codec
from cloud.kernel.domain import House, Stamped
from cloud.kernel.store import SCHEMA as SQLITE_SCHEMA
from cloud.kernel.store import Entry, Journal, JournalError, restore, sealed

log = logging.getLogger(__name__)

LEASE_S = 3.0               # an owner that stops renewing is replaced this long after its last renewal
SCHEMA_LOCK = 0x4A4F55524E  # advisory lock: two engines creating the schema at once would collide

SCHEMA = """
CREATE TABLE IF NOT EXISTS house (house TEXT PRIMARY KEY, id TEXT NOT NULL, created TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS lease (house TEXT PRIMARY KEY REFERENCES house, owner TEXT NOT NULL, epoch BIGINT NOT NULL, expires TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS journal (house TEXT NOT NULL REFERENCES house, seq BIGINT NOT NULL, ts BIGINT NOT NULL,
    command TEXT NOT NULL, events TEXT NOT NULL, epoch BIGINT NOT NULL, PRIMARY KEY (house, seq));
CREATE TABLE IF NOT EXISTS snapshot (house TEXT NOT NULL REFERENCES house, seq BIGINT NOT NULL, state_hash TEXT NOT NULL,
    state BYTEA NOT NULL, PRIMARY KEY (house, seq));
"""


class Fenced(JournalError):
    """This engine no longer owns the house: another took the lease, or wrote the seq it tried to write."""


def is_postgres(location: str | Path) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


def split(location: str) -> tuple[str, str]:
    """(server URL, house key) from `postgresql://…/db#house`."""
    dsn, house = urldefrag(location)
    if not house:
        raise JournalError(f"{location}: name the house after '#' (postgresql://host:port/db#h1)")
    return dsn, house


def default_owner() -> str:
    """Unique per process start: a restarted process is a new owner and waits for the lease like any other."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def fail_stop(reason: str) -> None:
    log.critical("%s: stopping the process", reason)
    os._exit(70)


class PgJournal:
    """One house's journal in PostgreSQL; as a writer it holds the house's lease while open."""

    def __init__(self, dsn: str, house: str, codec: Codec, lease_s: float = LEASE_S):
        self.dsn, self.house, self.codec, self.lease_s = dsn, house, codec, lease_s
        # Not a file: the transport keeps this process's own records (its quarantine) beside `path`,
        # on the machine the engine runs on, per server and house.
        self.path = Path(tempfile.gettempdir()) / "hall-houses" / f"{hashlib.sha1(dsn.encode()).hexdigest()[:8]}-{house}" / "journal"
        self.conn = connect(dsn, lease_s)
        self.owner: str | None = None
        self.epoch = 0
        self.keeper: LeaseKeeper | None = None

    @classmethod
    def create(cls, location: str, codec: Codec, house_id: str, *, owner: str | None = None, lease_s: float = LEASE_S,
               on_lost: Callable[[str], None] = fail_stop) -> "PgJournal":
        """A new house. Refuses a house that exists: that is a house to resume."""
        dsn, house = split(location)
        journal = cls(dsn, house, codec, lease_s)
        with journal.conn.transaction():
            journal.conn.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK])
            journal.conn.execute(SCHEMA)
            created = journal.conn.execute("INSERT INTO house (house, id) VALUES (%s, %s) ON CONFLICT DO NOTHING", [house, house_id]).rowcount
        if not created:
            journal.conn.close()
            raise JournalError(f"house {house} exists in {dsn}: resume that house, or choose another for a new one")
        return journal.acquire(owner or default_owner(), 0.0, on_lost)

    @classmethod
    def resume(cls, location: str, codec: Codec, *, owner: str | None = None, lease_s: float = LEASE_S, wait_s: float | None = 0.0,
               lease: bool = True, on_lost: Callable[[str], None] = fail_stop, grace_s: float = 0.0,
               cancelled: Callable[[], bool] = lambda: False) -> "PgJournal":
        """An existing house. As a writer (`lease`), waits up to `wait_s` (None: for ever, or until
        `cancelled()`) for its lease, taking it only once expired `grace_s` ago; a reader (a report, a
        backup) takes none and cannot append."""
        dsn, house = split(location)
        journal = cls(dsn, house, codec, lease_s)
        try:
            found = journal.conn.execute("SELECT 1 FROM house WHERE house = %s", [house]).fetchone()
        except psycopg.errors.UndefinedTable:
            found = None
        if found is None:
            journal.conn.close()
            raise JournalError(f"house {house} does not exist in {dsn}: to start a new house say so (--new)")
        return journal.acquire(owner or default_owner(), wait_s, on_lost, grace_s, cancelled) if lease else journal

    @classmethod
    def open(cls, location: str, codec: Codec, house_id: str, new: bool) -> "PgJournal":
        """As the arbiter opens its house: a resumed house waits for its lease (a standby) for ever."""
        return cls.create(location, codec, house_id) if new else cls.resume(location, codec, wait_s=None)

    def acquire(self, owner: str, wait_s: float | None, on_lost: Callable[[str], None], grace_s: float = 0.0,
                cancelled: Callable[[], bool] = lambda: False) -> "PgJournal":
        """Take the house's lease once it is free or expired `grace_s` ago (a new epoch), then keep it
        renewed. The grace lets a house's preferred engine win while it lives (cloud/pool.py)."""
        deadline = None if wait_s is None else time.monotonic() + wait_s
        while True:
            if cancelled():
                self.conn.close()
                raise JournalError(f"house {self.house}: no longer waiting for its lease")
            try:
                row, holder, left = self._try_lease(owner, grace_s)
            except psycopg.OperationalError as exc:          # a standby outlives a database restart
                if deadline is not None and time.monotonic() >= deadline:
                    raise JournalError(f"house {self.house}: the database cannot be reached ({exc})") from exc
                log.warning("house %s: waiting for the database (%s)", self.house, exc)
                time.sleep(min(1.0, self.lease_s / 3))
                continue
            if row:
                break
            if deadline is not None and time.monotonic() >= deadline:
                self.conn.close()
                raise JournalError(f"house {self.house} is owned by {holder} for {max(0.0, left):.1f} s more")
            time.sleep(min(max(left + grace_s, 0.0) + 0.01, self.lease_s / 10, 1.0))
        self.owner, self.epoch = owner, row[0]
        log.info("house %s: lease taken by %s, epoch %d", self.house, owner, self.epoch)
        self.keeper = LeaseKeeper(self, on_lost).start()
        return self

    def _try_lease(self, owner: str, grace_s: float = 0.0) -> tuple[Any, str, float]:
        """(the new epoch's row or None, the holder, seconds left on its lease)."""
        if self.conn.closed or self.conn.broken:
            self.conn = connect(self.dsn, self.lease_s)
        row = self.conn.execute(
            "INSERT INTO lease VALUES (%(house)s, %(owner)s, 1, now() + make_interval(secs => %(s)s)) "
            "ON CONFLICT (house) DO UPDATE SET owner = EXCLUDED.owner, epoch = lease.epoch + 1, expires = EXCLUDED.expires "
            "WHERE lease.expires < now() - make_interval(secs => %(grace)s) RETURNING epoch",
            {"house": self.house, "owner": owner, "s": self.lease_s, "grace": grace_s}).fetchone()
        if row:
            return row, owner, 0.0
        holder, left = self.conn.execute("SELECT owner, extract(epoch FROM expires - now()) FROM lease WHERE house = %s", [self.house]).fetchone()
        return None, holder, float(left)

    def renew(self, conn: psycopg.Connection[Any]) -> None:
        """Extend the lease if this owner and epoch still hold it, else raise `Fenced`."""
        if self.owner is None:
            raise Fenced(f"house {self.house} was opened to read: it takes no writes")
        renewed = conn.execute("UPDATE lease SET expires = now() + make_interval(secs => %s) WHERE house = %s AND owner = %s AND epoch = %s",
                               [self.lease_s, self.house, self.owner, self.epoch]).rowcount
        if not renewed:
            raise Fenced(f"house {self.house}: the lease of {self.owner} (epoch {self.epoch}) was taken over")

    def house_id(self) -> str:
        return self.conn.execute("SELECT id FROM house WHERE house = %s", [self.house]).fetchone()[0]

    def append(self, entries: list[Entry]) -> None:
        """Commit a batch durably and only while owning the house, or raise: the caller must not publish."""
        dumps, house, epoch = self.codec.dumps, self.house, self.epoch
        try:
            with self.conn.transaction():
                self.renew(self.conn)
                with self.conn.cursor().copy("COPY journal (house, seq, ts, command, events, epoch) FROM STDIN") as copy:
                    for e in entries:
                        copy.write_row((house, e.stamped.seq, e.stamped.ts, dumps(e.stamped.command), dumps(e.events), epoch))
        except psycopg.errors.UniqueViolation as exc:
            raise Fenced(f"house {house}: seq {entries[0].stamped.seq} was already written by another owner") from exc

    def entries(self, after_seq: int = 0) -> Iterator[Entry]:
        loads = self.codec.loads
        rows = self.conn.execute("SELECT seq, ts, command, events FROM journal WHERE house = %s AND seq > %s ORDER BY seq", [self.house, after_seq])
        for seq, ts, command, events in rows:
            yield Entry(Stamped(seq, ts, loads(command)), loads(events))

    def events(self, after_seq: int = 0, upto_seq: int | None = None, mentioning: str | None = None) -> Iterator[Any]:
        """As the SQLite journal's: `mentioning` picks rows by their journaled text, undecoded."""
        loads = self.codec.loads
        where = "house = %s AND seq > %s AND seq <= %s" + ("" if mentioning is None else " AND strpos(events, %s) > 0")
        rows = self.conn.cursor().stream(f"SELECT events FROM journal WHERE {where} ORDER BY seq",
                                         [self.house, after_seq, 2**62 if upto_seq is None else upto_seq, *([] if mentioning is None else [mentioning])])
        for (events,) in rows:                                     # row by row: a long journal is never held whole
            yield from loads(events)

    def last(self) -> tuple[int, int]:
        row = self.conn.execute("SELECT seq, ts FROM journal WHERE house = %s ORDER BY seq DESC LIMIT 1", [self.house]).fetchone()
        return (row[0], row[1]) if row else (0, 0)

    def save_snapshot(self, seq: int, house: House) -> None:
        blob, seal = sealed(house)
        with self.conn.transaction():
            self.renew(self.conn)
            self.conn.execute("INSERT INTO snapshot VALUES (%s, %s, %s, %s) ON CONFLICT (house, seq) DO UPDATE "
                              "SET state_hash = EXCLUDED.state_hash, state = EXCLUDED.state", [self.house, seq, seal, blob])
            self.conn.execute("DELETE FROM snapshot WHERE house = %(h)s AND seq NOT IN "
                              "(SELECT seq FROM snapshot WHERE house = %(h)s ORDER BY seq DESC LIMIT 2)", {"h": self.house})

    def load(self, house: House) -> int:
        """Newest trustworthy snapshot, then the events after it (the rule of the SQLite journal's `load`)."""
        start = restore(house, self.conn.execute("SELECT seq, state_hash, state FROM snapshot WHERE house = %s ORDER BY seq DESC",
                                                 [self.house]).fetchall())
        for event in self.events(start):
            house.apply(event)
        return start

    def backup(self, destination: str | Path) -> None:
        """A consistent copy as a SQLite journal (one snapshot of the database), which the embedded
        backend resumes as it stands: a house can always move back to one machine."""
        destination = Path(destination)
        if destination.exists():
            raise JournalError(f"{destination} exists: choose a new file for the backup")
        target = sqlite3.connect(destination)
        try:
            target.executescript(SQLITE_SCHEMA)
            with connect(self.dsn, self.lease_s) as reader, reader.transaction():
                reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                target.execute("INSERT INTO house VALUES ('id', ?)", reader.execute("SELECT id FROM house WHERE house = %s", [self.house]).fetchone())
                target.executemany("INSERT INTO journal VALUES (?, ?, ?, ?)",
                                   reader.execute("SELECT seq, ts, command, events FROM journal WHERE house = %s ORDER BY seq", [self.house]))
                target.executemany("INSERT INTO snapshot VALUES (?, ?, ?)",
                                   reader.execute("SELECT seq, state_hash, state FROM snapshot WHERE house = %s", [self.house]))
            target.commit()
        finally:
            target.close()

    def close(self) -> None:
        """Stop renewing and hand the lease back at once (a standby need not wait for it to expire)."""
        if self.keeper:
            self.keeper.stop()
        if self.owner is not None and not self.conn.closed:
            try:
                self.conn.execute("UPDATE lease SET expires = now() WHERE house = %s AND owner = %s AND epoch = %s",
                                  [self.house, self.owner, self.epoch])
            except psycopg.Error as exc:                 # the lease then simply expires
                log.warning("house %s: lease not handed back (%s)", self.house, exc)
        self.conn.close()


class LeaseKeeper:
    """Renews the lease every third of its length on a connection of its own, so an idle house keeps
    it. If the lease was taken over, `on_lost` is called (fail-stop by default). A database it cannot
    reach is only logged: every append checks the lease itself, so nothing undurable is published."""

    def __init__(self, journal: PgJournal, on_lost: Callable[[str], None]):
        self.journal, self.on_lost = journal, on_lost
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name=f"lease-{journal.house}", daemon=True)

    def start(self) -> "LeaseKeeper":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.journal.lease_s)

    def run(self) -> None:
        conn: psycopg.Connection[Any] | None = None
        while not self._stop.wait(self.journal.lease_s / 3):
            try:
                conn = conn if conn is not None and not conn.closed else connect(self.journal.dsn, self.journal.lease_s)
                self.journal.renew(conn)
            except Fenced as exc:
                self.on_lost(str(exc))
                break
            except psycopg.Error as exc:
                log.warning("house %s: lease not renewed (%s)", self.journal.house, exc)
                if conn is not None:
                    conn.close()
        if conn is not None:
            conn.close()


def connect(dsn: str, lease_s: float) -> psycopg.Connection[Any]:
    """Autocommit (transactions are explicit), and bounded waits: a session idle inside a transaction
    (a frozen writer) is ended by the server, a dead peer is noticed within about a lease."""
    ms = int(lease_s * 1000)
    return psycopg.connect(dsn, autocommit=True, connect_timeout=max(2, int(lease_s)), keepalives=1, keepalives_idle=1,
                           keepalives_interval=1, keepalives_count=max(2, int(lease_s)), tcp_user_timeout=ms,
                           options=f"-c idle_in_transaction_session_timeout={ms} -c lock_timeout={ms}")


def open_reader(location: str | Path, codec: Codec) -> Journal | PgJournal:
    """A house's journal opened to read (reports, backups): a PostgreSQL house takes no lease, so
    reading never disturbs the engine that owns it."""
    if is_postgres(location):
        return PgJournal.resume(str(location), codec, lease=False)
    return Journal.resume(location, codec)


def open_journal(location: str | Path, codec: Codec, house_id: str, new: bool) -> Journal | PgJournal:
    """The backend a location names: `postgresql://…#house`, or a SQLite file."""
    if is_postgres(location):
        return PgJournal.open(str(location), codec, house_id, new)
    return Journal.open(location, codec, house_id, new)
