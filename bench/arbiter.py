"""The arbiter process with a chosen parity delay: the bench's composition root.

    python -m bench.arbiter --config FILE --port N --journal PATH --parity-ms MS     (a new house)
cloud/__main__'s Arbiter with `arbiter.parity_ms` set to MS (its transport then hands every inbound
item to cloud.parity.SpeedBump), so the bench measures the rule at the delay it is asked about.
"""
from __future__ import annotations

import argparse
import logging
import signal
import threading
from dataclasses import replace

from cloud.__main__ import Arbiter
from cloud.config import load


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.arbiter", description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--journal", required=True)
    parser.add_argument("--parity-ms", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    config = load(args.config)
    config = replace(config, broker=replace(config.broker, port=args.port),
                     arbiter=replace(config.arbiter, journal=args.journal, parity_ms=args.parity_ms))
    arbiter = Arbiter(config, new=True).start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print(f"arbiter ready: sale {config.sale.id}, parity {args.parity_ms} ms", flush=True)
    stopped.wait()
    arbiter.stop()


if __name__ == "__main__":
    main()
