"""Houses spread over a pool of arbiter processes (cloud/pool.py): each house runs in its preferred
process while that lives; when it dies, another process takes the house over after its lease and
the grace, replays it and carries on where it stood; the dead process's rows stop at its epoch."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from cloud.broker import Broker
from cloud.config import load
from cloud.domains import house_codec, new_house
from cloud.kernel.pgstore import PgJournal
from cloud.pool import Slot, preferred
from shared import messages, topics
from shared.config import DEFAULT_FILE
from shared.messages import encode
from tests.conftest import ROOT, Listener

HALL, SALE = "hall1", "spring-2026"


class PoolProcess:
    """`python -m cloud.pool` in slot `slot`; collects the houses it says it serves."""

    def __init__(self, slot: str, configs: list[Path], log: Path):
        env = os.environ | {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        with open(log, "ab") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "cloud.pool", "--slot", slot, "--grace-s", "2", *map(str, configs)],
                                         stdout=subprocess.PIPE, stderr=err, text=True, env=env, cwd=ROOT)
        self.served: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("house "):
                with self.changed:
                    self.served.append(line.split()[1])
                    self.changed.notify_all()

    def wait_serving(self, count: int, timeout: float = 60) -> list[str]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.served) >= count, timeout), f"served only {self.served}"
            return list(self.served)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def houses(postgres, tmp_path) -> Iterator[dict[str, tuple[Path, Broker]]]:
    """Two houses in one PostgreSQL, each behind its own broker (as each has its own NATS account)."""
    made: dict[str, tuple[Path, Broker]] = {}
    prefix = f"pool{os.getpid()}x{id(tmp_path) % 10_000}"
    try:
        for name in ("a", "b"):
            broker = Broker(tmp_path / f"broker-{name}").start()
            key = f"{prefix}{name}"
            config = tmp_path / f"{name}.toml"
            config.write_text(DEFAULT_FILE.read_text()
                              .replace("port = 1883\n", f"port = {broker.port}\n", 1)
                              .replace('journal = "var/arbiter.sqlite3"', f'journal = "{postgres.dsn}#{key}"', 1)
                              .replace("bids_per_s = 5", "bids_per_s = 0"))
            loaded = load(config)
            PgJournal.create(loaded.arbiter.journal, house_codec(new_house(loaded)), loaded.sale.hall).close()
            made[key] = (config, broker)
        yield made
    finally:
        for _, broker in made.values():
            broker.stop()


def command(hall: Listener, command_id: str, action: str) -> dict:
    hall.publish(topics.HALL_COMMAND.format(hall=HALL), encode(messages.Command(command_id=command_id, action=action)))
    return hall.expect(timeout=30, command_id=command_id)


def bid(hall: Listener, bid_id: str, amount: int, paddle: int = 12) -> dict:
    hall.publish(topics.HALL_BID.format(hall=HALL), encode(messages.Bid(bid_id=bid_id, lot="1", amount=amount, currency="HKD", paddle=paddle)))
    return hall.expect(timeout=30, bid_id=bid_id)


def test_the_slots_spread_houses_evenly_and_every_house_prefers_exactly_one_slot():
    demo = load(DEFAULT_FILE)
    configs = [replace(demo, arbiter=replace(demo.arbiter, journal=f"postgresql://x/db#h{i}")) for i in range(7)]
    firsts = [preferred(configs, Slot(i, 3)) for i in range(3)]
    assert [sum(f.values()) for f in firsts] == [3, 2, 2]
    assert all(sum(f[key] for f in firsts) == 1 for key in firsts[0])
    with pytest.raises(ValueError, match="I must be from 0 to N-1"):
        Slot.parse("3/3")
    with pytest.raises(ValueError, match="PostgreSQL"):
        preferred([load(DEFAULT_FILE)], Slot(0, 1))


def test_two_pool_processes_split_the_houses_and_one_takes_over_the_others_when_it_dies(houses, postgres, tmp_path):
    keys = sorted(houses)
    configs = [houses[key][0] for key in keys]
    pools = [PoolProcess(f"{i}/2", configs, tmp_path / f"pool{i}.log") for i in range(2)]
    halls = {key: Listener(houses[key][1], topics.HALL_RESULT.format(hall=HALL), topics.LOT_STATE.format(sale=SALE)) for key in keys}
    try:
        assert pools[0].wait_serving(1) == [keys[0]] and pools[1].wait_serving(1) == [keys[1]]
        for n, key in enumerate(keys):
            assert command(halls[key], f"open-{n}", "open_lot")["status"] == "ok"
            assert bid(halls[key], f"before-{n}", 80_000, paddle=11)["status"] == "accepted"
        with psycopg.connect(postgres.dsn) as db:
            epoch_before = db.execute("SELECT epoch FROM lease WHERE house = %s", [keys[0]]).fetchone()[0]

        pools[0].proc.send_signal(signal.SIGKILL)
        pools[0].proc.wait()
        assert pools[1].wait_serving(2) == [keys[1], keys[0]]
        answer = bid(halls[keys[0]], "after-kill", 80_000)
        assert answer["status"] == "rejected" and answer["code"] == "BELOW_ASKING"     # the bid before the kill still leads
        assert bid(halls[keys[0]], "after-kill-2", 85_000)["status"] == "accepted"
        assert bid(halls[keys[1]], "other-house", 85_000)["status"] == "accepted"      # the survivor's own house never paused
        with psycopg.connect(postgres.dsn) as db:
            owner, epoch = db.execute("SELECT owner, epoch FROM lease WHERE house = %s", [keys[0]]).fetchone()
            stale = db.execute("SELECT count(*) FROM journal WHERE house = %s AND epoch = %s AND seq > "
                               "(SELECT min(seq) FROM journal WHERE house = %s AND epoch = %s)",
                               [keys[0], epoch_before, keys[0], epoch]).fetchone()[0]
        assert epoch == epoch_before + 1 and f":{pools[1].proc.pid}:" in owner
        assert stale == 0
    finally:
        for hall in halls.values():
            hall.close()
        for pool in pools:
            pool.stop()
