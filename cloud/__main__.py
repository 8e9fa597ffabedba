"""The house's engine process: the only place that wires the journal, the kernel and MQTT together.

    ./hall arbiter [--config FILE] [--journal PATH | postgresql://HOST:PORT/DB] [--house ID] [--port N] [--new]
Resumes the house whose journal is given (snapshot + journal), or with --new creates it; loads the
config's sale if the house does not have it yet; then serves until SIGTERM. A PostgreSQL journal
(docs/cluster.md) holds many houses: --house names this one, and the arbiter waits for its lease
(a standby) before it serves.
"""
from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace

from cloud.config import Config, load
from cloud.core.commands import LoadSale
from cloud.core.domain import Auctions, sale_publications
from cloud.domains import house_codec, new_house
from cloud.kernel.codec import Codec
from cloud.kernel.domain import Publication
from cloud.kernel.engine import Engine, run_sync
from cloud.kernel.pgstore import PgJournal, is_postgres, open_journal
from cloud.parity import SpeedBump
from cloud.kernel.store import Journal, JournalError
from cloud.transports.mqtt import RETAINED_BY_DESIGN, MqttTransport, RateLimit
from cloud.transports.published import published_seq
from cloud.transports.retained import RetainedSweeper

log = logging.getLogger("arbiter")
Opener = Callable[[str, Codec, str, bool], Journal | PgJournal]
# "arbiter ready" means subscribed: Mosquitto grants at once, a NATS cluster once a replicated
# consumer exists for each inbound filter (seconds), and a bid sent before then would be lost.
SUBSCRIBED_WITHIN_S = 60.0


class Arbiter:
    """Journal + kernel + MQTT, started and stopped as one."""

    def __init__(self, config: Config, new: bool = False, opener: Opener = open_journal):
        """`opener` takes the house's journal (and, in PostgreSQL, its lease: a pool waits its own way)."""
        self.config, self.new = config, new
        house = new_house(config)
        self.journal = opener(config.arbiter.journal, house_codec(house), config.sale.hall, new)
        self.transport: MqttTransport | None = None
        self.sweeper: RetainedSweeper | None = None
        self.engine = Engine(house, self.journal, self._publish, batch_max=config.arbiter.batch_max)
        if config.sale.id not in self.auctions.sales and config.sale.id not in self.auctions.closed:   # the config's sale, once
            run_sync(self.engine, [LoadSale(config.sale_spec())])
        log.info("house at seq %d (state %s), sales %s", self.engine.seq, self.engine.state_hash()[:12], ", ".join(self.auctions.sales))

    @property
    def auctions(self) -> Auctions:
        return self.engine.house["auction"]

    def _publish(self, batch: list[Publication]) -> None:
        if self.transport is not None:           # before start: the state is published on start
            self.transport.publish(batch)

    def retained_state(self) -> list[Publication]:
        """Every open sale's run list and lot state, published (retained) at start, so a broker that
        lost them (a fresh one, say) has them again before anyone asks."""
        return sale_publications(self.engine.house, self.engine.seq, self.engine.clock())

    def check_not_behind(self) -> None:
        """Refuse to serve from a journal shorter than what this house already published: a journal
        restored without its WAL, say, would otherwise silently undo decisions people saw."""
        seen = published_seq(self.config.broker, [sale for sale in self.auctions.open_sales()])
        if seen > self.engine.seq:
            raise JournalError(f"the broker holds lot state published at seq {seen}, but the journal ends at seq {self.engine.seq}: "
                               "it is not whole (restore the journal with its -wal file, or from ./hall backup)")

    def start(self) -> "Arbiter":
        arbiter = self.config.arbiter
        if not self.new:
            self.check_not_behind()
        now = self.retained_state()
        inbox = SpeedBump(self.engine, arbiter.parity_ms) if arbiter.parity_ms else self.engine    # the parity rule
        self.transport = MqttTransport(inbox, self.config.broker, arbiter.client_id, RateLimit(arbiter.bids_per_s, arbiter.bid_burst))
        self.engine.start()
        self.transport.start()
        if not self.transport.subscribed.wait(SUBSCRIBED_WITHIN_S):
            self.stop()
            raise ConnectionError(f"the broker did not grant the arbiter's subscriptions within {SUBSCRIBED_WITHIN_S:.0f} s")
        self.transport.publish(now)
        self.sweeper = RetainedSweeper(self.transport.client, RETAINED_BY_DESIGN).start()
        return self

    def stop(self) -> None:
        if self.sweeper:
            self.sweeper.stop()
        if self.transport:
            self.transport.stop()
        self.engine.stop()
        self.journal.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall arbiter", description="Run the house's engine (the arbiter).")
    parser.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    parser.add_argument("--journal", help="override arbiter.journal: a SQLite file, or postgresql://host:port/db#house")
    parser.add_argument("--house", help="the house in a PostgreSQL journal (sets its #house)")
    parser.add_argument("--port", type=int, help="override broker.port")
    parser.add_argument("--new", action="store_true", help="create a new house (the journal must not exist yet)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = load(args.config)
    if args.journal:
        config = replace(config, arbiter=replace(config.arbiter, journal=args.journal))
    if args.house and is_postgres(config.arbiter.journal):
        config = replace(config, arbiter=replace(config.arbiter, journal=f"{config.arbiter.journal.split('#')[0]}#{args.house}"))
    if args.port:
        config = replace(config, broker=replace(config.broker, port=args.port))
    try:
        arbiter = Arbiter(config, new=args.new).start()
    except JournalError as exc:
        print(f"hall arbiter: {exc}", file=sys.stderr)
        sys.exit(3)
    gc.freeze()              # the loaded house lives as long as the process: no full collection rescans it
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    print(f"arbiter ready: sale {config.sale.id} on {config.broker.host}:{config.broker.port}", flush=True)
    stopped.wait()
    arbiter.stop()


if __name__ == "__main__":
    main()
