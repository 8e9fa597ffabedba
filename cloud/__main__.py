"""The arbiter process: the only place that wires the journal, the engine and MQTT together.

    ./hall arbiter [--config FILE] [--journal PATH] [--port N]
Starts (or resumes: the journal is replayed) the sale in the config, then serves until SIGTERM.
"""
from __future__ import annotations

import argparse
import logging
import signal
import threading
from dataclasses import replace

from cloud.config import Config, load
from cloud.core.commands import StartSale
from cloud.engine import Engine, run_sync
from cloud.journal import Journal
from cloud.outbound import Publication, catalog_publication, lot_publication
from cloud.transports.mqtt import MqttTransport, RateLimit

log = logging.getLogger("arbiter")


class Arbiter:
    """Journal + engine + MQTT, started and stopped as one."""

    def __init__(self, config: Config):
        self.config = config
        self.journal = Journal.open(config.arbiter.journal)
        self.transport: MqttTransport | None = None
        self.engine = Engine(self.journal, self._publish, batch_max=config.arbiter.batch_max)
        if self.engine.state.sale is None:
            run_sync(self.engine, [StartSale(config.sale_spec())])
        log.info("sale %s at seq %d (state %s)", config.sale.id, self.engine.seq, self.engine.snapshot_hash()[:12])

    def _publish(self, batch: list[Publication]) -> None:
        if self.transport is not None:           # before start: the state is published on start
            self.transport.publish(batch)

    def start(self) -> "Arbiter":
        """Serve; the run list and the lot state are published at once (retained), so a broker that
        lost them (a fresh one, say) has them again before anyone asks."""
        arbiter = self.config.arbiter
        now = [p for p in (catalog_publication(self.engine.state), lot_publication(self.engine.state, self.engine.seq, self.engine.clock())) if p]
        self.transport = MqttTransport(self.engine, self.config.broker, arbiter.client_id, RateLimit(arbiter.bids_per_s, arbiter.bid_burst))
        self.engine.start()
        self.transport.start()
        self.transport.publish(now)
        return self

    def stop(self) -> None:
        if self.transport:
            self.transport.stop()
        self.engine.stop()
        self.journal.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall arbiter", description="Run the cloud arbiter.")
    parser.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    parser.add_argument("--journal", help="override arbiter.journal")
    parser.add_argument("--port", type=int, help="override broker.port")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = load(args.config)
    if args.journal:
        config = replace(config, arbiter=replace(config.arbiter, journal=args.journal))
    if args.port:
        config = replace(config, broker=replace(config.broker, port=args.port))
    arbiter = Arbiter(config).start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    print(f"arbiter ready: sale {config.sale.id} on {config.broker.host}:{config.broker.port}", flush=True)
    stopped.wait()
    arbiter.stop()


if __name__ == "__main__":
    main()
