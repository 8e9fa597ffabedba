"""The kind market's tails, extended batch by batch, against converting the latest SHOWN records afresh; and the
message encoded with its tails' JSON known, against encoding it whole."""
from __future__ import annotations

from hypothesis import given, strategies as st

from cloud.marketdata.state import TradeRecord, Unsold
from cloud.kernel.tail import Tail
from cloud.marketdata.views import SHOWN, Shown, tape_point
from shared import marketdata as wire, messages
from shared.backoffice import Grade, KindSpec

steps = st.lists(st.one_of(st.tuples(st.just("append"), st.integers(0, 2 * SHOWN)), st.tuples(st.just("rewrite"), st.integers(0, 10**6))),
                 max_size=12)


@given(steps)
def test_a_tail_shows_what_a_fresh_conversion_shows(plan):
    records: list[TradeRecord] = []
    tail = Tail(tape_point, SHOWN)
    for what, n in plan:
        if what == "append":                  # a batch's new trades
            records.extend(TradeRecord(len(records) + i, len(records) + i, "exchange", 1, 100 + i) for i in range(n))
        elif records:                         # a cancelled hall order: the list is rewritten, one trade marked
            records = [TradeRecord(t.number, t.ts, t.channel, t.quantity, t.price, cancelled="reopened" if i == n % len(records) else "")
                       for i, t in enumerate(records)]
        assert tail(records) == tuple(tape_point(t) for t in records[-SHOWN:])


texts = st.text(st.sampled_from('ab"\\,:[]{} ') | st.characters(), max_size=12) | st.sampled_from(['"tape":[]', ',"tape":[],"history":[],"unsold":[],"seq":'])
spec = st.builds(KindSpec, kind=st.just("k-1"), category=st.just("stamps"), name=texts, grade=st.just(Grade("stamp", "VF")),
                 issue_year=st.integers(1800, 2026), description=texts)


@given(st.lists(st.integers(0, 3), max_size=5), st.none() | spec, texts, st.integers(0, 2**40))
def test_the_kind_market_with_its_tails_known_encodes_as_the_whole_message(appends, kind_spec, reason, ts):
    """The arbiter publishes `encoded` (tails kept encoded batch to batch); the page reads what `encode` writes."""
    shown, trades, unsold = Shown(), [], []
    for n in appends:
        trades.extend(TradeRecord(len(trades) + i, ts + i, "exchange", 1 + i, 100 + i, cancelled=reason if i else "") for i in range(n))
        unsold.extend(Unsold(ts, "clock", n + 1, reason, "c-1") for _ in range(n % 2))
        message = wire.KindMarket("k-1", "HKD", kind_spec, ts, 100, (wire.Window("all", 0, len(trades), len(trades)),),
                                  wire.ValuePoint(ts, None, "none", "none", 0, 0), 2, (reason,), shown.tape(trades), shown.history([]),
                                  shown.unsold(unsold), len(trades))
        assert messages.encode(message, **shown.known()) == messages.encode(message)
