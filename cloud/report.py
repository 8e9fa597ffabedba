"""./hall report [--journal FILE] [--sale ID]: the post-sale report and every invoice, rebuilt from the journal."""
from __future__ import annotations

import argparse

from cloud.config import load
from cloud.core.domain import sale_state
from cloud.core.views import invoice_text, sale_report
from cloud.domains import read_house


def render(journal_path: str, sale: str | None = None) -> str:
    house = read_house(journal_path)
    sales = [sale] if sale else list(house["auction"].sales)
    parts = []
    for sale_id in sales:
        state = sale_state(house, sale_id)
        parts += [sale_report(state), *(invoice_text(order) for order in state.orders.values())]
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall report", description=__doc__)
    parser.add_argument("--journal", help="journal file (default: arbiter.journal from the config)")
    parser.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    parser.add_argument("--sale", help="only this sale (default: every sale of the house)")
    args = parser.parse_args(argv)
    print(render(args.journal or load(args.config).arbiter.journal, args.sale))


if __name__ == "__main__":
    main()
