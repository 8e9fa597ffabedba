"""The running figures against the naive walk they replace (the oracle): any window, any history."""
from __future__ import annotations

from hypothesis import given, strategies as st

from cloud.marketdata.figures import Figures, Span
from cloud.marketdata.state import TradeRecord

trade_lists = st.lists(st.tuples(st.integers(0, 50), st.integers(1, 5), st.integers(1, 1_000), st.booleans(), st.booleans()),
                       max_size=60)


def recorded(rows: list[tuple[int, int, int, bool, bool]]) -> list[TradeRecord]:
    ts, out = 0, []
    for number, (step, quantity, price, group, cancelled) in enumerate(rows, 1):
        ts += step
        out.append(TradeRecord(number, ts, "exchange", quantity, price, group, cancelled="reopened" if cancelled else ""))
    return out


def naive(trades: list[TradeRecord]) -> Span:
    priced = [t for t in trades if t.priced]
    return Span(len(priced), sum(t.quantity for t in priced), sum(t.quantity * t.price for t in priced),
                max((t.price for t in priced), default=None), min((t.price for t in priced), default=None))


@given(trade_lists)
def test_every_window_equals_the_walk_over_its_trades(rows):
    trades = recorded(rows)
    figures = Figures()
    for n, trade in enumerate(trades, 1):
        figures.add(trade)
        for start in range(n + 1):
            assert figures.since(start) == naive(trades[start:n])
    assert figures.last == next((t.price for t in reversed(trades) if t.priced), None)
    assert Figures.of(trades) == figures


def test_an_empty_history_has_no_figures():
    assert Figures().since(0) == Span(0, 0, 0, None, None) and Figures().last is None
