"""Many houses in one arbiter process, houses spread over several such processes, one engine per house.

    ./hall pool --slot I/N CONFIG...     each CONFIG a house's TOML; its arbiter.journal postgresql://…#house

Why: an operator hosting a hundred houses runs a few processes, not a hundred pairs. Every process
of a pool is given the same list of houses and its slot I of N. A house's lease (PostgreSQL,
cloud/kernel/pgstore.py) decides who runs it, so there is never a second engine; the slots only
decide who tries first:
- the house at index k of the sorted list prefers slot k mod N, which takes its lease at once;
- every other process takes it only once its lease has been expired `grace_s`, and not in its own
  first `grace_s` (at a cold start the preferred processes start too), so while the preferred
  process lives it wins, and when it dies its houses are taken over after lease + grace, each
  replayed from its newest snapshot (the Arbiter does that) and served on.
A house that moved stays where it is when its preferred process returns (no rebalancing: moving a
live house is a pause its bidders would notice). A lost lease stops the whole process (fail-stop,
exit 70): its other houses are then taken over like a dead process's.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from cloud.__main__ import Arbiter
from cloud.config import Config, load
from cloud.kernel.codec import Codec
from cloud.kernel.pgstore import LEASE_S, PgJournal, is_postgres, split
from cloud.kernel.store import JournalError

log = logging.getLogger("pool")


@dataclass(frozen=True)
class Slot:
    index: int
    of: int

    @classmethod
    def parse(cls, text: str) -> "Slot":
        index, _, of = text.partition("/")
        try:
            slot = cls(int(index), int(of))
        except ValueError:
            raise ValueError(f"--slot {text!r}: write it I/N, e.g. 0/3") from None
        if not 0 <= slot.index < slot.of:
            raise ValueError(f"--slot {text!r}: I must be from 0 to N-1")
        return slot


def house_key(config: Config) -> str:
    if not is_postgres(config.arbiter.journal):
        raise ValueError(f"sale {config.sale.id}: a pool's houses keep their journals in PostgreSQL (postgresql://…#house), "
                         f"not {config.arbiter.journal}")
    return split(config.arbiter.journal)[1]


def preferred(configs: list[Config], slot: Slot) -> dict[str, bool]:
    """Each house's key, and whether this slot is the one it prefers."""
    keys = sorted(house_key(c) for c in configs)
    if len(set(keys)) != len(keys):
        raise ValueError("two configs name the same house")
    return {key: index % slot.of == slot.index for index, key in enumerate(keys)}


class Pool:
    """One waiter thread per house; a house whose lease it takes runs here until the pool stops."""

    def __init__(self, configs: list[Config], slot: Slot, grace_s: float = LEASE_S,
                 on_served: Callable[[str, Config], None] = lambda key, config: None):
        self.configs, self.grace_s, self.on_served = configs, grace_s, on_served
        self.first = preferred(configs, slot)
        self.serving: dict[str, Arbiter] = {}
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._wait_for, args=(c,), name=f"house-{house_key(c)}", daemon=True) for c in configs]

    def start(self) -> "Pool":
        for thread in self._threads:
            thread.start()
        return self

    def _open(self, grace_s: float, location: str, codec: Codec, house_id: str, new: bool) -> PgJournal:
        return PgJournal.resume(location, codec, wait_s=None, grace_s=grace_s, cancelled=self._stopped.is_set)

    def _wait_for(self, config: Config) -> None:
        key = house_key(config)
        grace_s = 0.0 if self.first[key] else self.grace_s
        if grace_s and self._stopped.wait(grace_s):       # a cold start: the preferred processes start too
            return
        try:
            arbiter = Arbiter(config, opener=partial(self._open, grace_s)).start()
        except (JournalError, ConnectionError) as exc:
            if not self._stopped.is_set():
                log.error("house %s: %s", key, exc)
            return
        with self._lock:
            if self._stopped.is_set():
                arbiter.stop()
                return
            self.serving[key] = arbiter
        log.info("house %s served here (sale %s)", key, config.sale.id)
        self.on_served(key, config)

    def stop(self) -> None:
        """Hand every lease back at once (a clean close), so the houses' other processes take them now."""
        with self._lock:
            self._stopped.set()
            serving, self.serving = list(self.serving.values()), {}
        for arbiter in serving:
            arbiter.stop()
        for thread in self._threads:
            thread.join(timeout=LEASE_S)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall pool", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("configs", nargs="+", help="each house's TOML (its arbiter.journal in PostgreSQL)")
    parser.add_argument("--slot", default="0/1", help="this process's slot I of N processes (default 0/1)")
    parser.add_argument("--grace-s", type=float, default=LEASE_S, help="how long a house's lease must have expired before a "
                        "process other than its preferred one takes it (default: one lease)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        slot = Slot.parse(args.slot)
        configs = [load(Path(path)) for path in args.configs]
        pool = Pool(configs, slot, args.grace_s, lambda key, config: print(f"house {key} served: sale {config.sale.id}", flush=True))
    except ValueError as exc:
        print(f"hall pool: {exc}", file=sys.stderr)
        sys.exit(2)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    pool.start()
    print(f"pool ready: slot {slot.index}/{slot.of}, {len(configs)} houses, first here: "
          + (", ".join(k for k, first in sorted(pool.first.items()) if first) or "none"), flush=True)
    stopped.wait()
    pool.stop()


if __name__ == "__main__":
    main()
