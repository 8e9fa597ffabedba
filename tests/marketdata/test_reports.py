"""./hall report's CSV and chart of a sale, and ./hall market report's CSV and chart of a kind, from a journal."""
from __future__ import annotations

import csv
from pathlib import Path

from PIL import Image

from bench.kernel import sale_commands
from cloud.config import Config
from cloud.domains import house_codec, new_house
from cloud.kernel.domain import Stamped
from cloud.kernel.store import Entry, Journal
from cloud.market_report import main as market_main
from cloud.report import render
from tests.marketdata.test_marketdata import KIND, ValuationRules, data, ready, scripted


def journal_of(entries: list[Entry], path: Path) -> Path:
    journal = Journal.create(path, house_codec(new_house(Config())), "h1")
    journal.append(entries)
    journal.close()
    return path


def colours(png: Path) -> int:
    with Image.open(png) as image:
        return len(image.convert("RGB").getcolors(maxcolors=1 << 20) or ())


def test_the_market_report_writes_every_trade_and_a_chart_of_prices_and_values(tmp_path, capsys):
    m = ready("alice", "bob", rules=ValuationRules())
    scripted(m)
    journal = journal_of(m.entries, tmp_path / "h.sqlite3")
    market_main(["report", KIND, "--journal", str(journal), "--out", str(tmp_path / "out")])
    table, chart = (Path(line) for line in capsys.readouterr().out.split())
    rows = list(csv.DictReader(table.open()))
    trades = data(m).kinds[KIND].trades
    assert [(int(r["price"]), int(r["quantity"]), r["channel"]) for r in rows] == [(t.price, t.quantity, t.channel) for t in trades]
    assert rows[-1]["value_after"] == str(data(m).kinds[KIND].value.value) and rows[0]["value_source"] == "trades"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and colours(chart) > 20     # drawn, not an empty frame


def test_the_sale_report_writes_a_csv_of_the_lots_and_a_chart_against_estimates(tmp_path):
    house = new_house(Config())
    entries = []
    for seq, command in enumerate(sale_commands(0), 1):
        stamped = Stamped(seq, 1_000_000 + seq, command)
        entries.append(Entry(stamped, house.handle(stamped)))
    journal = journal_of(entries, tmp_path / "sale.sqlite3")
    text = render(str(journal), out=tmp_path / "out")
    table, chart = tmp_path / "out" / "sale-sale-0.csv", tmp_path / "out" / "sale-sale-0.png"
    assert f"written: {table}" in text and f"written: {chart}" in text
    rows = list(csv.DictReader(table.open()))
    assert len(rows) == 100 and all(r["result"] == "sold" and int(r["hammer"]) > 0 for r in rows)
    assert colours(chart) > 20
