"""The kernel's store tests (tests/kernel/test_store.py) on both backends, SQLite and PostgreSQL,
with their own helpers; plus what only PostgreSQL's form needs: damaged snapshots written through
SQL, and a house that must be created before it is resumed."""
from __future__ import annotations

import psycopg
import pytest

from cloud.backup import main as backup_main
from cloud.domains import house_codec, read_house, sale_records
from cloud.kernel.domain import House
from cloud.kernel.pgstore import PgJournal
from cloud.kernel.store import Journal, JournalError
from tests.core.driver import Driver
from tests.core.test_replay import busy_sale
from tests.kernel import test_store
from tests.kernel.test_store import engine_over, resumed

BOTH = ["sqlite", "postgresql"]
SHARED = [test_store.test_snapshot_plus_tail_gives_the_state_of_a_full_replay,
          test_store.test_a_clean_stop_writes_a_snapshot_so_the_next_start_replays_nothing,
          test_store.test_a_backup_restores_to_the_same_state_hash,
          test_store.test_the_demo_house_trusts_its_own_snapshot]


@pytest.fixture(params=BOTH)
def backend(request, monkeypatch):
    """The store test module's `Journal`, as it is (SQLite) or over the private PostgreSQL."""
    if request.param == "postgresql":
        monkeypatch.setattr(test_store, "Journal", request.getfixturevalue("pg_backend"))
    return request.param


@pytest.mark.parametrize("store_test", SHARED, ids=lambda t: t.__name__)
def test_kernel_store(store_test, backend, tmp_path):
    store_test(tmp_path)


@pytest.mark.parametrize("damage", ["UPDATE snapshot SET state = overlay(state placing '\\xff'::bytea from length(state) / 2 for 1)",
                                    "UPDATE snapshot SET state_hash = 'not-the-hash'"], ids=["bytes", "hash"])
def test_an_untrustworthy_snapshot_in_postgresql_is_discarded(damage, postgres, pg_backend, monkeypatch, tmp_path):
    monkeypatch.setattr(test_store, "Journal", pg_backend)
    d = busy_sale()
    engine = engine_over(tmp_path, d, snapshot_every=7)
    live = engine.state_hash()
    house_key = engine.journal.house
    engine.journal.close()
    with psycopg.connect(postgres.dsn, autocommit=True) as admin:
        assert admin.execute(damage + " WHERE house = %s", [house_key]).rowcount >= 1
    house, start = resumed(tmp_path, d)
    assert start == 0 and house.state_hash() == live


def test_a_postgresql_house_is_created_once_and_resumed_ever_after(postgres):
    codec = house_codec(Driver().house)
    location = f"{postgres.dsn}#explicit"
    with pytest.raises(JournalError, match="does not exist"):
        PgJournal.resume(location, codec)
    with pytest.raises(JournalError, match="name the house"):
        PgJournal.create(postgres.dsn, codec, "h1")
    PgJournal.create(location, codec, "h1").close()
    with pytest.raises(JournalError, match="exists"):
        PgJournal.create(location, codec, "h1")
    journal = PgJournal.resume(location, codec)
    assert journal.house_id() == "h1" and journal.last() == (0, 0)
    journal.close()


def test_a_running_postgresql_house_is_backed_up_and_reported_on_without_its_lease(postgres, pg_backend, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(test_store, "Journal", pg_backend)
    d = busy_sale()
    engine = engine_over(tmp_path, d, snapshot_every=7)                # the owner, holding the lease
    journal = engine.journal
    try:
        backup_main(["--journal", pg_backend.location(tmp_path / "house.sqlite3"), str(tmp_path / "copy.sqlite3")])
        assert "backup written to" in capsys.readouterr().out
        house = House(d.house.domains)
        Journal.resume(tmp_path / "copy.sqlite3", house_codec(house)).load(house)
        assert house.state_hash() == engine.state_hash()
        location = pg_backend.location(tmp_path / "house.sqlite3")                   # reports read it where it lives
        assert read_house(location).state_hash() == read_house(tmp_path / "copy.sqlite3").state_hash()
        sales = set(sale_records(location))
        assert sales == set(sale_records(tmp_path / "copy.sqlite3")) != set()
        assert all(set(sale_records(location, sale)) == {sale} for sale in sales)
        with psycopg.connect(postgres.dsn) as db:                      # the backup took nothing from the owner
            assert db.execute("SELECT owner, epoch FROM lease WHERE house = %s", [journal.house]).fetchone() == (journal.owner, journal.epoch)
    finally:
        journal.close()
