"""The kind market's tails, extended batch by batch, against converting the latest SHOWN records afresh."""
from __future__ import annotations

from hypothesis import given, strategies as st

from cloud.marketdata.state import TradeRecord
from cloud.marketdata.views import SHOWN, Tail, tape_point

steps = st.lists(st.one_of(st.tuples(st.just("append"), st.integers(0, 2 * SHOWN)), st.tuples(st.just("rewrite"), st.integers(0, 10**6))),
                 max_size=12)


@given(steps)
def test_a_tail_shows_what_a_fresh_conversion_shows(plan):
    records: list[TradeRecord] = []
    tail = Tail(tape_point)
    for what, n in plan:
        if what == "append":                  # a batch's new trades
            records.extend(TradeRecord(len(records) + i, len(records) + i, "exchange", 1, 100 + i) for i in range(n))
        elif records:                         # a cancelled hall order: the list is rewritten, one trade marked
            records = [TradeRecord(t.number, t.ts, t.channel, t.quantity, t.price, cancelled="reopened" if i == n % len(records) else "")
                       for i, t in enumerate(records)]
        assert tail(records) == tuple(tape_point(t) for t in records[-SHOWN:])
