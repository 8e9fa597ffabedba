"""Reports people would rather look at: a sale's lots and a kind's trades as CSV files and PNG charts
(matplotlib's Agg backend: no display needed), rebuilt from the journal.

    ./hall report [--out DIR]                 besides its text: sale-{id}.csv and sale-{id}.png per sale
    ./hall market report KIND [--out DIR]     kind-{KIND}.csv (every trade and the value after it) and
                                              kind-{KIND}.png (trades as points, the valuation as a line)
Amounts in the CSV files are integers in minor units (the currency column says which).
"""
from __future__ import annotations

import argparse
import csv
from datetime import datetime, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)

from cloud.config import load  # noqa: E402
from cloud.core.state import AuctionState  # noqa: E402
from cloud.domains import read_house  # noqa: E402
from cloud.kernel.domain import House  # noqa: E402
from cloud.marketdata.state import MarketDataState  # noqa: E402
from shared.money import MINOR_DIGITS  # noqa: E402
from shared.times import utc_text  # noqa: E402

CHANNEL_MARKERS = {"exchange": "o", "clock": "v", "issue": "s", "hall": "D"}
SALE_FIELDS = ("lot", "title", "result", "currency", "hammer", "premium", "total", "estimate_low", "estimate_high", "buyer",
               "channel", "pass_reason")
KIND_FIELDS = ("number", "at_utc", "ts_ms", "channel", "quantity", "price", "group", "cancelled", "premium", "reference", "value_after",
               "value_source", "confidence")


def _major(minor: int | None, currency: str) -> float | None:
    """For a chart's axis only (the CSV keeps integers)."""
    return None if minor is None else minor / 10 ** MINOR_DIGITS[currency]


def sale_rows(state: AuctionState) -> list[dict[str, object]]:
    assert state.sale is not None
    rows = []
    for record in state.lots.values():
        order = state.orders.get(record.order_id) if record.order_id else None
        sold = record.status == "sold" and order is not None
        rows.append({"lot": record.spec.lot, "title": record.spec.title, "result": record.status, "currency": state.sale.currency,
                     "hammer": order.hammer if sold else "", "premium": order.premium if sold else "",
                     "total": order.total if sold else "", "estimate_low": record.spec.estimate_low or "",
                     "estimate_high": record.spec.estimate_high or "", "buyer": order.buyer_label if sold else "",
                     "channel": order.channel if sold else "", "pass_reason": record.pass_reason or ""})
    return rows


def write_sale(state: AuctionState, out: Path) -> tuple[Path, Path]:
    """sale-{id}.csv and sale-{id}.png: each lot's hammer price against its estimate range."""
    assert state.sale is not None
    out.mkdir(parents=True, exist_ok=True)
    rows, currency = sale_rows(state), state.sale.currency
    table, chart = out / f"sale-{state.sale.sale}.csv", out / f"sale-{state.sale.sale}.png"
    _write_csv(table, SALE_FIELDS, rows)
    figure, axes = plt.subplots(figsize=(min(16.0, max(6.0, 0.25 * len(rows) + 2)), 4.5))
    places = range(len(rows))
    bar = max(2.0, min(8.0, 400 / max(len(rows), 1)))                 # estimate bars thin as lots crowd in
    for x, row in zip(places, rows):
        low, high = row["estimate_low"], row["estimate_high"]
        if low != "" or high != "":
            bottom, top = _major(int(low or high), currency), _major(int(high or low), currency)   # type: ignore[arg-type]
            axes.vlines(x, bottom, top, colors="#9aa5b1", linewidth=bar, label="estimate" if x == 0 else None)
    sold = [(x, _major(int(r["hammer"]), currency)) for x, r in zip(places, rows) if r["hammer"] != ""]  # type: ignore[arg-type]
    if sold:
        axes.scatter([x for x, _ in sold], [y for _, y in sold], color="#c0392b", zorder=3, label="hammer price")
    every = -(-len(rows) // 40)                                        # at most 40 lot labels
    axes.set_xticks(list(places)[::every], [str(r["lot"]) for r in rows][::every], rotation=45 if len(rows) > 12 else 0)
    axes.set_xlabel("lot")
    axes.set_ylabel(currency)
    axes.set_title(f"Sale {state.sale.sale}: hammer prices against estimates")
    axes.legend(loc="upper left")
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(chart, dpi=100)
    plt.close(figure)
    return table, chart


def kind_rows(data: MarketDataState, kind: str) -> list[dict[str, object]]:
    market = data.kinds[kind]
    after = {v.number: v.assessed for v in market.history if v.number}
    return [{"number": t.number, "at_utc": utc_text(t.ts, True), "ts_ms": t.ts, "channel": t.channel, "quantity": t.quantity,
             "price": t.price, "group": int(t.group), "cancelled": t.cancelled, "premium": t.premium, "reference": t.reference,
             "value_after": after[t.number].value if t.number in after else "",
             "value_source": after[t.number].source if t.number in after else "",
             "confidence": after[t.number].confidence if t.number in after else ""} for t in market.trades]


def write_kind(house: House, kind: str, currency: str, out: Path) -> tuple[Path, Path]:
    """kind-{KIND}.csv and kind-{KIND}.png: its trades as points by channel, its valuation as a step line."""
    data: MarketDataState = house["marketdata"]
    if kind not in data.kinds:
        raise SystemExit(f"{kind}: the journal has no market data for this kind (known: {', '.join(sorted(data.kinds)) or 'none'})")
    out.mkdir(parents=True, exist_ok=True)
    market = data.kinds[kind]
    table, chart = out / f"kind-{kind}.csv", out / f"kind-{kind}.png"
    _write_csv(table, KIND_FIELDS, kind_rows(data, kind))
    figure, axes = plt.subplots(figsize=(9, 4.5))
    for channel, marker in CHANNEL_MARKERS.items():
        points = [t for t in market.trades if t.channel == channel and t.priced]
        if points:
            axes.scatter([datetime.fromtimestamp(t.ts / 1000, timezone.utc) for t in points],
                         [_major(t.price, currency) for t in points], marker=marker, zorder=3, label=f"{channel} trades")
    line = [(datetime.fromtimestamp(v.ts / 1000, timezone.utc), _major(v.assessed.value, currency))
            for v in market.history if v.assessed.value is not None]
    if line:
        axes.step([x for x, _ in line], [y for _, y in line], where="post", color="#2c3e50", label="valuation")
    value = market.value
    shown = "no value" if value.value is None else f"{_major(value.value, currency):,.2f} {currency} ({value.confidence}, {value.trades} trades)"
    axes.set_title(f"{kind}: price history and valuation, now {shown}")
    axes.set_ylabel(currency)
    axes.legend(loc="upper left")
    axes.grid(alpha=0.3)
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(chart, dpi=100)
    plt.close(figure)
    return table, chart


def _write_csv(path: Path, fields: tuple[str, ...], rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall market", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    report = sub.add_parser("report", help="a kind's trades as CSV and its price history and valuation as PNG")
    report.add_argument("kind")
    report.add_argument("--journal", help="journal file (default: arbiter.journal from the config)")
    report.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    report.add_argument("--out", default="var/reports", help="folder for the files (default: var/reports)")
    args = parser.parse_args(argv)
    config = load(args.config)
    house = read_house(args.journal or config.arbiter.journal, config)
    for path in write_kind(house, args.kind, config.sale.currency, Path(args.out)):
        print(path)


if __name__ == "__main__":
    main()
