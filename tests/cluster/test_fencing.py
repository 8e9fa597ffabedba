"""Fencing: one writer per house. A second engine takes the lease only once it has expired, and from
then on the old owner cannot append a single row (its lease check fails, or its insert conflicts);
a fenced engine stops its process before publishing anything."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg
import pytest

from cloud.domains import house_codec
from cloud.kernel.pgstore import Fenced, PgJournal
from cloud.kernel.store import Entry, JournalError
from tests.conftest import ROOT
from tests.core.driver import Driver
from tests.core.test_replay import busy_sale

from .conftest import house_location


def stamped_entries(count: int, start_seq: int = 1) -> list[Entry]:
    """Journal entries of a real sale's first commands, renumbered from `start_seq`."""
    d = busy_sale()
    return [Entry(type(s)(start_seq + i, s.ts, s.command), events) for i, (s, events) in enumerate(d.journal[:count])]


def rows_by_epoch(dsn: str, house: str) -> dict[int, int]:
    with psycopg.connect(dsn) as conn:
        return dict(conn.execute("SELECT epoch, count(*) FROM journal WHERE house = %s GROUP BY epoch", [house]).fetchall())


def test_a_second_engine_takes_over_only_after_expiry_and_the_old_one_cannot_append(postgres, request):
    codec, location = house_codec(Driver().house), house_location(postgres, request)
    lost: list[str] = []
    old = PgJournal.create(location, codec, "h1", lease_s=1.0, on_lost=lost.append)
    old.append(stamped_entries(2))
    with pytest.raises(JournalError, match="is owned by"):
        PgJournal.resume(location, codec, lease_s=1.0, wait_s=0)
    old.keeper.stop()                                       # the old owner freezes: nobody renews its lease
    frozen_at = time.monotonic()
    new = PgJournal.resume(location, codec, lease_s=1.0, wait_s=10, on_lost=lost.append)
    assert time.monotonic() - frozen_at >= 0.5, "the lease was taken before it expired"
    assert new.epoch == old.epoch + 1 and new.last()[0] == 2
    with pytest.raises(Fenced, match="taken over"):
        old.append(stamped_entries(1, start_seq=3))          # the next seq: only the lease check stands in the way
    with pytest.raises(Fenced):
        old.save_snapshot(2, busy_sale().house)
    new.append(stamped_entries(1, start_seq=3))
    assert rows_by_epoch(postgres.dsn, new.house) == {old.epoch: 2, new.epoch: 1}
    assert lost == []
    new.close()
    old.close()


def test_an_insert_that_conflicts_is_fenced_and_writes_nothing_of_its_batch(postgres, request):
    journal = PgJournal.create(house_location(postgres, request), house_codec(Driver().house), "h1")
    journal.append(stamped_entries(3))
    with pytest.raises(Fenced, match="seq 4 was already written|seq 3"):
        journal.append(stamped_entries(2, start_seq=3)[::-1])  # seq 4 is new, seq 3 is not: the whole batch is refused
    assert journal.last()[0] == 3
    journal.close()


def test_the_keeper_notices_a_lease_taken_over(postgres, request):
    lost: list[str] = []
    journal = PgJournal.create(house_location(postgres, request), house_codec(Driver().house), "h1", lease_s=0.6, on_lost=lost.append)
    with psycopg.connect(postgres.dsn, autocommit=True) as admin:
        admin.execute("UPDATE lease SET owner = 'another', epoch = epoch + 1 WHERE house = %s", [journal.house])
    deadline = time.monotonic() + 3
    while not lost and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lost and "taken over" in lost[0]
    journal.close()


def test_a_clean_close_hands_the_lease_back_at_once(postgres, request):
    codec, location = house_codec(Driver().house), house_location(postgres, request)
    PgJournal.create(location, codec, "h1", lease_s=30).close()
    started = time.monotonic()
    PgJournal.resume(location, codec, lease_s=30, wait_s=5).close()
    assert time.monotonic() - started < 2


FENCED_ENGINE = """
import sys
from cloud.domains import house_codec
from cloud.kernel.engine import Engine
from cloud.kernel.pgstore import PgJournal
from tests.core.test_replay import busy_sale
d = busy_sale()
journal = PgJournal.create(sys.argv[1], house_codec(d.house), "h1", lease_s=60)
engine = Engine(type(d.house)(d.house.domains), journal, lambda batch: print("PUBLISHED at seq", engine.seq, flush=True)).start()
print("epoch", journal.epoch, flush=True)
for stamped, _ in d.journal:
    sys.stdin.readline()
    engine.submit(stamped.command)
"""


def test_a_fenced_engine_stops_its_process_before_publishing(postgres, request):
    location = house_location(postgres, request)
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", FENCED_ENGINE, location], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)
    assert proc.stdin and proc.stdout
    epoch = int(proc.stdout.readline().split()[1])
    proc.stdin.write("\n")
    proc.stdin.flush()
    first = proc.stdout.readline()
    assert first.startswith("PUBLISHED"), "the owner commits and publishes"
    with psycopg.connect(postgres.dsn, autocommit=True) as admin:               # another engine takes the house
        admin.execute("UPDATE lease SET owner = 'successor', epoch = epoch + 1 WHERE house = %s", [location.split("#")[1]])
    proc.stdin.write("\n" * 5)
    proc.stdin.flush()
    assert proc.wait(timeout=20) == 70
    assert all(line == first for line in proc.stdout.read().splitlines(keepends=True) if line.startswith("PUBLISHED")), \
        "nothing published after the first batch (whose answers and states are two publications)"
    assert rows_by_epoch(postgres.dsn, location.split("#")[1]) == {epoch: 1}
