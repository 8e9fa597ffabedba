"""The journal and snapshots: a house starts from its newest trustworthy snapshot plus the journal
after it, and gets exactly the state a full replay gives; a damaged snapshot is never trusted."""
import sqlite3

import pytest

from cloud.domains import house_codec
from cloud.kernel.domain import House
from cloud.kernel.engine import Engine, run_sync
from cloud.kernel.store import Journal, JournalError
from tests.core.driver import Driver
from tests.core.test_replay import busy_sale


def engine_over(tmp_path, d: Driver, snapshot_every: int) -> Engine:
    """The busy sale's commands decided again by a real engine over a real journal file."""
    house = House(d.house.domains)
    journal = Journal.create(tmp_path / "house.sqlite3", house_codec(house), "h1")
    engine = Engine(house, journal, lambda batch: None, clock=iter(range(2_000_000, 3_000_000, 10)).__next__,
                    snapshot_every=snapshot_every)
    for stamped, _ in d.journal:
        run_sync(engine, [stamped.command])
        if engine.seq - engine.snapshot_seq >= snapshot_every:
            engine.snapshot()
    return engine


def resumed(tmp_path, d: Driver) -> tuple[House, int]:
    house = House(d.house.domains)
    journal = Journal.resume(tmp_path / "house.sqlite3", house_codec(house))
    start = journal.load(house)
    journal.close()
    return house, start


def full_replay(tmp_path, d: Driver) -> House:
    house = House(d.house.domains)
    journal = Journal.resume(tmp_path / "house.sqlite3", house_codec(house))
    for event in journal.events():
        house.apply(event)
    journal.close()
    return house


def test_snapshot_plus_tail_gives_the_state_of_a_full_replay(tmp_path):
    d = busy_sale()
    engine = engine_over(tmp_path, d, snapshot_every=7)
    live = engine.state_hash()
    engine.journal.close()
    house, start = resumed(tmp_path, d)
    assert 0 < start < engine.seq, "started from a snapshot, then applied the tail"
    assert house.state_hash() == full_replay(tmp_path, d).state_hash() == live


def test_a_damaged_snapshot_is_discarded_and_the_full_replay_used(tmp_path):
    d = busy_sale()
    engine = engine_over(tmp_path, d, snapshot_every=7)
    live = engine.state_hash()
    engine.journal.close()
    with sqlite3.connect(tmp_path / "house.sqlite3") as db:           # flip bytes inside every stored snapshot
        for seq, blob in db.execute("SELECT seq, state FROM snapshot").fetchall():
            damaged = bytearray(blob)
            damaged[len(damaged) // 2] ^= 0xFF
            db.execute("UPDATE snapshot SET state = ? WHERE seq = ?", [bytes(damaged), seq])
    house, start = resumed(tmp_path, d)
    assert start == 0 and house.state_hash() == live


def test_a_snapshot_whose_seal_does_not_match_is_not_trusted(tmp_path):
    d = busy_sale()
    engine = engine_over(tmp_path, d, snapshot_every=7)
    live = engine.state_hash()
    engine.journal.close()
    with sqlite3.connect(tmp_path / "house.sqlite3") as db:           # readable bytes, but not the ones that were sealed
        db.execute("UPDATE snapshot SET state_hash = 'sha256:' || substr(state_hash, 8, 63) || "
                   "CASE substr(state_hash, 71, 1) WHEN '0' THEN '1' ELSE '0' END")     # its last digit changed
    house, start = resumed(tmp_path, d)
    assert start == 0 and house.state_hash() == live


def test_a_snapshot_written_by_other_code_is_not_read(tmp_path):
    """A house whose domains changed (a deploy) replays its journal rather than unpickle old state."""
    from tests.kernel.test_house import ReminderDomain
    d = busy_sale()
    engine = engine_over(tmp_path, d, snapshot_every=7)
    engine.journal.close()
    house = House([*d.house.domains, ReminderDomain()])
    journal = Journal.resume(tmp_path / "house.sqlite3", house_codec(house))
    assert journal.load(house) == 0
    assert house["auction"].sales["s1"].lots["1"].status == "sold"


def test_a_clean_stop_writes_a_snapshot_so_the_next_start_replays_nothing(tmp_path):
    d = busy_sale()
    engine = engine_over(tmp_path, d, snapshot_every=10**9)
    live = engine.state_hash()
    engine.stop()
    engine.journal.close()
    house, start = resumed(tmp_path, d)
    assert start == engine.seq and house.state_hash() == live


def test_new_and_resume_are_explicit(tmp_path):
    codec = house_codec(Driver().house)
    path = tmp_path / "house.sqlite3"
    with pytest.raises(JournalError, match="does not exist"):
        Journal.resume(path, codec)
    path.write_bytes(b"")
    with pytest.raises(JournalError, match="is empty"):
        Journal.resume(path, codec)
    with pytest.raises(JournalError, match="exists"):
        Journal.create(path, codec, "h1")
    path.unlink()
    Journal.create(path, codec, "h1").close()
    assert Journal.resume(path, codec).house_id() == "h1"
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE journal (seq INTEGER)")
    with pytest.raises(JournalError, match="not a house's journal"):
        Journal.resume(other, codec)


def test_a_backup_restores_to_the_same_state_hash(tmp_path):
    d = busy_sale()
    engine = engine_over(tmp_path, d, snapshot_every=10**9)
    live = engine.state_hash()
    engine.journal.backup(tmp_path / "copy.sqlite3")
    with pytest.raises(JournalError, match="exists"):
        engine.journal.backup(tmp_path / "copy.sqlite3")
    house = House(d.house.domains)
    Journal.resume(tmp_path / "copy.sqlite3", house_codec(house)).load(house)
    assert house.state_hash() == live



def test_the_demo_house_trusts_its_own_snapshot(tmp_path):
    """A sale from the config (lots sharing ladder objects, as loaded from TOML) hashes the same live
    and from its snapshot: otherwise every start would quietly fall back to the full replay."""
    from cloud.config import load
    from cloud.core.commands import LoadSale
    from cloud.domains import new_house
    config = load(None)
    house = new_house(config)
    engine = Engine(house, Journal.create(tmp_path / "demo.sqlite3", house_codec(house), "h1"), lambda batch: None)
    run_sync(engine, [LoadSale(config.sale_spec())])
    live = engine.state_hash()
    engine.stop()
    engine.journal.close()
    fresh = new_house(config)
    journal = Journal.resume(tmp_path / "demo.sqlite3", house_codec(fresh))
    assert journal.load(fresh) == engine.seq and fresh.state_hash() == live
    full = new_house(config)
    for event in journal.events():
        full.apply(event)
    assert full.state_hash() == live
