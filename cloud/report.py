"""./hall report [--journal FILE]: the post-sale report and every invoice, rebuilt from the journal."""
from __future__ import annotations

import argparse

from cloud.config import load
from cloud.core.views import invoice_text, sale_report
from cloud.journal import Journal, replay


def render(journal_path: str) -> str:
    journal = Journal.open(journal_path)
    try:
        state = replay(journal)
    finally:
        journal.close()
    invoices = [invoice_text(order) for order in state.orders.values()]
    return "\n\n".join([sale_report(state), *invoices])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall report", description=__doc__)
    parser.add_argument("--journal", help="journal file (default: arbiter.journal from the config)")
    parser.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    args = parser.parse_args(argv)
    print(render(args.journal or load(args.config).arbiter.journal))


if __name__ == "__main__":
    main()
