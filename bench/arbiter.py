"""The arbiter process with the parity bump in front of its engine: the bench's composition root.

    python -m bench.arbiter --config FILE --port N --journal PATH --parity-ms MS     (a new house)
cloud/__main__'s Arbiter, with its engine behind cloud.parity.SpeedBump, so the transport hands every
inbound item to the bump. Once cloud/__main__ builds its transport on a bump itself, this module
refuses to start (a second bump would double the delay) and the bench runs `-m cloud` instead.
"""
from __future__ import annotations

import argparse
import logging
import signal
import threading
from dataclasses import replace

from cloud.__main__ import Arbiter
from cloud.config import Config, load
from cloud.parity import SpeedBump


class BumpedArbiter(Arbiter):
    def __init__(self, config: Config, parity_ms: int):
        super().__init__(config, new=True)
        self.engine = SpeedBump(self.engine, parity_ms)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.arbiter", description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--journal", required=True)
    parser.add_argument("--parity-ms", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    config = load(args.config)
    config = replace(config, broker=replace(config.broker, port=args.port), arbiter=replace(config.arbiter, journal=args.journal))
    arbiter = BumpedArbiter(config, args.parity_ms).start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print(f"arbiter ready: sale {config.sale.id}, parity {args.parity_ms} ms", flush=True)
    stopped.wait()
    arbiter.stop()


if __name__ == "__main__":
    main()
