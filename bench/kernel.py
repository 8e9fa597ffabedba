"""The house's kernel over years of journal: replay speed, and how long a house takes to start.

A journal of `events` events is made by deciding real commands through the real rules: sale after
sale of 100 lots, each lot opened, bid on eight times from the room and hammered, each sale closed;
every order stays unpaid (with --settle the desk takes each sale's payments and releases its lots
once the next sale closes). Snapshots are written every SNAPSHOT_EVERY commands, as the engine
writes them when idle, and the journal ends one command short of the next: the longest tail a start
meets. Then:
  replay_events_per_s   every event applied to a fresh house, from the journal file
  start_ms              a house resumed: newest valid snapshot (its seal checked) + the tail
"""
from __future__ import annotations

import itertools
import tempfile
import time
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from cloud.config import Config
from cloud.core.catalog import LotSpec, PaddleSpec, SaleSpec
from cloud.core.commands import BidOrder, CloseSale, Instruction, LoadSale, PlaceBid, RunCommand, SettleOrder
from cloud.core.events import InSale, OrderCreated
from cloud.core.increments import saleroom_ladder
from cloud.domains import house_codec, new_house
from cloud.kernel.domain import House, Stamped
from cloud.kernel.engine import SNAPSHOT_EVERY, Engine
from cloud.kernel.store import Entry, Journal

LOTS, BIDS = 100, 8


def sale_commands(n: int) -> list[Any]:
    spec = SaleSpec(f"sale-{n}", "h1", "HKD", saleroom_ladder(100), tuple(LotSpec(str(i), f"lot {i}", opening=100_00) for i in range(LOTS)),
                    paddles=(PaddleSpec(11, "Mrs Chan"), PaddleSpec(12, "Mr Lee")))
    out: list[Any] = [LoadSale(spec, f"load-{n}")]
    ladder = spec.ladder
    for lot in range(LOTS):
        out.append(RunCommand(Instruction(f"o{n}-{lot}", "open_lot"), "h1"))
        amount = 100_00
        for b in range(BIDS):
            out.append(PlaceBid(BidOrder(f"b{n}-{lot}-{b}", str(lot), amount, "HKD", 11 + b % 2), "hall", "h1"))
            amount = ladder.next_rung(amount)
        out.append(RunCommand(Instruction(f"h{n}-{lot}", "hammer"), "h1"))
    out.append(CloseSale(spec.sale, f"close-{n}"))
    return out


def settle_commands(orders: list[str]) -> Iterator[SettleOrder]:
    """The desk takes each order's bank payment, then releases the lot to its buyer."""
    for order in orders:
        yield SettleOrder(f"pay-{order}", "pay", order, reference=f"wire-{order}")
        yield SettleOrder(f"release-{order}", "release", order)


def build(path: Path, events: int, settle: bool = False) -> tuple[int, int, str]:
    """Decide commands until the journal holds at least `events` events, snapshotting every
    SNAPSHOT_EVERY commands as the engine does (a short journal: every events // 2), and end one
    command short of the next snapshot: the longest tail a start meets. `settle`: once a sale
    closes, the desk settles the orders of the sale before it (else every order stays unpaid, and
    live). Returns (events, tail events, state hash)."""
    house = new_house(Config())
    journal = Journal.create(path, house_codec(house), "h1")
    seq, ts, count, snapped, batch = 0, 1_000_000, 0, 0, []
    every = max(2, min(SNAPSHOT_EVERY, events // 2))
    orders: list[list[str]] = []

    def commands() -> Iterator[Any]:
        for n in itertools.count():
            orders.append([])
            yield from chain(sale_commands(n), settle_commands(orders[-2]) if settle and n else ())

    for command in commands():
        seq, ts = seq + 1, ts + 5
        stamped = Stamped(seq, ts, command)
        produced = house.handle(stamped)
        batch.append(Entry(stamped, produced))
        count += len(produced)
        orders[-1] += [e.event.order.order_id for e in produced if isinstance(e, InSale) and isinstance(e.event, OrderCreated)]
        if len(batch) >= 5_000 or seq % every == 0:
            journal.append(batch)
            batch = []
        if seq % every == 0:
            journal.save_snapshot(seq, house)
            snapped = count
        elif count >= events and seq > every and seq % every == every - 1:
            break
    journal.append(batch)
    journal.close()
    return count, count - snapped, house.state_hash()


def figures(events: int = 1_000_000, settle: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hall-kernel-") as tmp:
        path = Path(tmp) / "house.sqlite3"
        made, tail, live_hash = build(path, events, settle)
        house = new_house(Config())
        journal = Journal.resume(path, house_codec(house))
        started = time.perf_counter()
        replayed = 0
        for event in journal.events():
            house.apply(event)
            replayed += 1
        replay_s = time.perf_counter() - started
        assert house.state_hash() == live_hash, "a full replay must give the live state"
        journal.close()
        started = time.perf_counter()
        fresh = new_house(Config())
        engine = Engine(fresh, Journal.resume(path, house_codec(fresh)), lambda batch: None)
        start_ms = (time.perf_counter() - started) * 1000
        assert engine.state_hash() == live_hash and engine.snapshot_seq > 0, "started from the snapshot + tail"
        engine.journal.close()
        return {"kernel_journal_events": made, "replay_events_per_s": round(replayed / replay_s),
                "start_ms": round(start_ms, 1), "start_tail_events": tail, "journal_mb": round(path.stat().st_size / 1e6, 1)}


if __name__ == "__main__":
    import argparse
    import json
    parser = argparse.ArgumentParser(prog="python -m bench.kernel", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("events", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--settle", action="store_true", help="the desk settles each sale's orders once the next sale closes")
    args = parser.parse_args()
    print(json.dumps(figures(args.events, args.settle), indent=2))
