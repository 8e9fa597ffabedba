"""./hall report [--journal FILE] [--sale ID] [--out DIR]: the post-sale report and every invoice, rebuilt from
the journal (a closed sale's record is there, not in the house's live state); and per sale a CSV of its lots
and a PNG of hammer prices against estimates (cloud/market_report.py)."""
from __future__ import annotations

import argparse
from pathlib import Path

from cloud.config import load
from cloud.core.views import invoice_text, sale_report
from cloud.domains import sale_records
from cloud.market_report import write_sale


def render(journal_path: str, sale: str | None = None, out: Path | None = None) -> str:
    """The text; with `out`, each sale's CSV and chart written there too (their paths end the text)."""
    sales = sale_records(journal_path, sale)
    if sale is not None and sale not in sales:
        raise SystemExit(f"no sale {sale} in {journal_path}")
    parts = []
    for state in sales.values():
        parts += [sale_report(state), *(invoice_text(order) for order in state.orders.values())]
        if out is not None and state.sale is not None:
            parts.append("\n".join(f"written: {path}" for path in write_sale(state, out)))
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall report", description=__doc__)
    parser.add_argument("--journal", help="journal file (default: arbiter.journal from the config)")
    parser.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    parser.add_argument("--sale", help="only this sale (default: every sale of the house)")
    parser.add_argument("--out", default="var/reports", help="folder for each sale's CSV and PNG (default: var/reports)")
    args = parser.parse_args(argv)
    print(render(args.journal or load(args.config).arbiter.journal, args.sale, Path(args.out)))


if __name__ == "__main__":
    main()
