"""./hall backup OUT [--journal FILE | postgresql://…#house]: a consistent copy of a house's journal, even while it runs.

SQLite's online backup API copies the database with its WAL (a plain file copy without the -wal
file silently loses the newest batches); a PostgreSQL house is copied into a SQLite file from one
snapshot of the database, read without taking the house's lease. The copy is then read back as a house and must hash to the
same state as the original read at the same moment, or the command fails.
"""
from __future__ import annotations

import argparse
import sys

from cloud.config import Config, load
from cloud.domains import house_codec, new_house
from cloud.kernel.pgstore import open_reader
from cloud.kernel.store import JournalError


def replayed(journal_path: str, upto: int | None = None) -> tuple[str, int]:
    """(state hash, last seq) of a full replay of a journal, up to `upto` if given."""
    house = new_house(Config())
    journal = open_reader(journal_path, house_codec(house))
    try:
        last = journal.last()[0] if upto is None else upto
        for event in journal.events(0, last):
            house.apply(event)
    finally:
        journal.close()
    return house.state_hash(), last


def backup(journal_path: str, out: str) -> str:
    """Copy, then check that the copy replays to what the original held at the copy's last seq
    (the original may have moved on meanwhile); return that state hash."""
    journal = open_reader(journal_path, house_codec(new_house(Config())))
    try:
        journal.backup(out)
    finally:
        journal.close()
    copied, seq = replayed(out)
    if replayed(journal_path, seq)[0] != copied:
        raise JournalError(f"the copy does not replay to the house the original held at seq {seq}")
    return copied


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall backup", description=__doc__)
    parser.add_argument("out", help="the copy to write (must not exist)")
    parser.add_argument("--journal", help="journal file or postgresql://…#house (default: arbiter.journal from the config)")
    parser.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    args = parser.parse_args(argv)
    try:
        digest = backup(args.journal or load(args.config).arbiter.journal, args.out)
    except JournalError as exc:
        print(f"hall backup: {exc}", file=sys.stderr)
        sys.exit(1)
    print(f"backup written to {args.out}: state {digest[:16]}")


if __name__ == "__main__":
    main()
