"""Quantity clocks (start by themselves, first stop wins at its price, restart rule, the rest withdrawn
at the floor, late acceptances answered as late), new issues (window, holds, allocation pro rata or by
lottery, refunds, units and money in one batch) and news subscriptions."""
from __future__ import annotations

import dataclasses

import pytest

from cloud.ledger.accounts import custody, user_cash, user_units
from cloud.ledger.events import UserNotified
from cloud.ledger.views import trial_balance
from cloud.market import commands as cmd
from cloud.market.clocks import price_at
from cloud.market.issues import allocate
from shared.codes import Code
from shared.dutch import clock_price
from shared.times import utc_text
from tests.ledger.driver import DRAGON
from tests.market.driver import KIND, Market

TOP, FLOOR = 200_000, 100_000
DURATION = 100_000


@pytest.fixture
def m() -> Market:
    return Market.ready("alice", "bob", "carol")


def listed(m: Market, schedule: str = "linear", restart: str = "resume", step_ms: int = 10_000, clock_id: str = "k1"):
    start = m.ts + 1_000
    return m.said(cmd.ListClock("alice", clock_id, KIND, 50, 5, TOP, FLOOR, "HKD", start, start + DURATION, schedule,
                                step_ms, restart)), start


def accepted(m: Market, account: str, quantity: int, price: int | None = None, advance_ms: int = 10):
    clock = m.market.clocks["k1"]
    at = m.ts + advance_ms
    return m.said(cmd.AcceptClock(account, f"{account}-{m.seq}", "k1", quantity, price or price_at(clock, at)), advance_ms)


def test_a_clock_sold_in_two_stops_resumes_from_each_stop_and_withdraws_the_rest_at_the_floor(m):
    answer, start = listed(m)
    assert answer.ok and m.units("alice") == (100, 50)
    assert accepted(m, "bob", 5, TOP).code == Code.CLOCK_NOT_STARTED
    assert m.house.deadline() == start
    started = m.tick(start - m.ts)
    assert m.market.clocks["k1"].status == "running" and any(type(e).__name__ == "ClockStarted" for e in started)
    m.tick(DURATION // 4)
    price = price_at(m.market.clocks["k1"], m.ts + 10)
    assert price == clock_price(TOP, FLOOR, DURATION, "linear", 10_000, DURATION // 4 + 10)
    assert accepted(m, "bob", 20, price - 1).code == Code.BELOW_CLOCK
    first = accepted(m, "bob", 20, price)
    assert first.ok and (first.filled, first.cost) == (20, 20 * price + 20 * price * 20 // 10_000)
    clock = m.market.clocks["k1"]
    assert (clock.remaining, clock.segment_top, clock.segment_start) == (30, price, m.ts)     # resumes from the stop
    assert accepted(m, "carol", 4).code == Code.BELOW_MINIMUM and accepted(m, "carol", 31).code == Code.ABOVE_REMAINING
    assert accepted(m, "alice", 5).code == Code.SELF_TRADE
    second = accepted(m, "carol", 10, advance_ms=DURATION // 4)
    assert second.ok and second.cost < 10 * price * 2
    assert m.units("bob")[0] == 120 and m.units("carol")[0] == 110 and m.units("alice") == (70, 50)
    m.tick(start + DURATION - m.ts)                                 # the floor, at the end: the rest withdrawn
    assert m.market.clocks["k1"].status == "withdrawn" and m.units("alice") == (70, 70)
    assert accepted(m, "bob", 5, FLOOR + 1).code == Code.CLOCK_LATE
    assert [s[0] for s in m.market.clocks["k1"].stops] == [20, 10]
    assert all(t.balanced for t in trial_balance(m.ledger)[1]) and m.ledger.account(custody(KIND)).balance == -300


def test_a_stepped_clock_restarting_from_the_top_withdraws_at_its_last_step(m):
    answer, start = listed(m, "steps", "top", step_ms=30_000)
    m.tick(start - m.ts + 30_000)
    step = price_at(m.market.clocks["k1"], m.ts)
    assert step == TOP - (TOP - FLOOR) // 3
    assert accepted(m, "bob", 5, step, advance_ms=0).ok
    assert m.market.clocks["k1"].segment_top == TOP                 # restarts from the top
    withdraw = m.house.deadline()
    assert withdraw == m.ts + 60_000 < start + DURATION          # the 70 s left hold two whole 30 s steps
    m.tick(withdraw - m.ts)
    assert m.market.clocks["k1"].status == "withdrawn"


@pytest.mark.parametrize("method, offered, applied, expected", [
    ("pro_rata", 10, [7, 5, 3], [5, 3, 2]),           # 4.67, 3.33, 2: the one left over to the largest remainder
    ("pro_rata", 10, [5, 5, 5], [4, 3, 3]),           # equal remainders: the earlier application
    ("pro_rata", 100, [30, 20], [30, 20]),            # undersubscribed: everyone in full
    ("pro_rata", 100, [60, 30, 30], [50, 25, 25]),
])
def test_pro_rata_allocation_and_its_rounding_rule(method, offered, applied, expected):
    assert allocate(method, "", "i1", offered, applied) == expected


def test_a_lottery_is_recomputable_from_its_published_seed_and_never_gives_more_than_offered_or_applied():
    applied = [7, 5, 3, 9, 2, 6]
    drawn = allocate("lottery", "7f3a", "i1", 12, applied)
    assert drawn == allocate("lottery", "7f3a", "i1", 12, applied) and sum(drawn) == 12
    assert all(0 <= a <= q for a, q in zip(drawn, applied))
    assert len({tuple(allocate("lottery", seed, "i1", 12, applied)) for seed in "abcdefgh"}) > 1    # the seed decides


def new_kind(m: Market) -> str:
    m.define(dataclasses.replace(DRAGON, kind="hk-dragon-2024-ms70", name="Hong Kong 2024 Dragon", issue_year=2024))
    return "hk-dragon-2024-ms70"


def test_an_oversubscribed_new_issue_is_allocated_paid_credited_and_refunded_in_one_batch(m):
    kind = new_kind(m)
    m.user("mint")
    opens = m.ts + 1_000
    terms = cmd.NewIssue("i1", kind, "mint", 100, 50_000, "HKD", opens, opens + 10_000)
    opened = m.said(cmd.OpenIssue("c1", terms))
    assert opened.ok and f"applications from {utc_text(opens, True)} to {utc_text(opens + 10_000, True)} UTC" in opened.message
    apply = lambda account, q: m.said(cmd.ApplyForIssue(account, f"{account}-{q}", "i1", q))  # noqa: E731
    early = apply("bob", 60)
    assert early.code == Code.ISSUE_NOT_OPEN and f"the house's clock reads {utc_text(m.ts, True)}" in early.message
    m.tick(opens - m.ts)
    assert apply("alice", 60).ok and apply("bob", 30).ok and apply("carol", 30).ok
    assert m.cash("bob") == (10_000_000, 10_000_000 - 30 * 50_000)
    events = m.tick(10_000)
    assert m.market.issues["i1"].allocations == (50, 25, 25)
    assert m.cash("alice") == (10_000_000 - 50 * 50_000,) * 2       # 10 units' money released at once
    assert m.balance(user_units("bob", kind)) == (25, 25) and m.balance(user_cash("mint", "HKD")) == (100 * 50_000,) * 2
    assert sum(isinstance(e, UserNotified) for e in events) == 3
    assert apply("carol", 1).code == Code.ISSUE_NOT_OPEN
    assert all(t.balanced for t in trial_balance(m.ledger)[1])


def test_a_lottery_issue_needs_its_seed_and_a_window_in_the_future(m):
    kind = new_kind(m)
    m.user("mint")
    no_seed = cmd.NewIssue("i1", kind, "mint", 100, 50_000, "HKD", m.ts + 1_000, m.ts + 2_000, "lottery")
    assert m.said(cmd.OpenIssue("c1", no_seed)).code == Code.BAD_TERMS
    past = dataclasses.replace(no_seed, seed="abc", opens_at=m.ts - 1)
    assert m.said(cmd.OpenIssue("c2", past)).code == Code.BAD_TERMS


def test_subscribers_are_told_of_new_listings_in_their_category_kind_or_issuer_once(m):
    assert m.said(cmd.Subscribe("bob", "s1", "category", "precious_metal_coins")).ok
    assert m.said(cmd.Subscribe("bob", "s2", "kind", KIND)).ok
    assert m.said(cmd.Subscribe("carol", "s3", "issuer", "Hong Kong")).ok
    assert m.said(cmd.Subscribe("carol", "s4", "category", "nonsense")).code == Code.UNKNOWN_CATEGORY
    events = m.send(cmd.PlaceOrder("alice", "l1", KIND, "sell", 5, 100_000, "HKD"))
    told = sorted(e.account for e in events if isinstance(e, UserNotified) and e.text.startswith("New listing"))
    assert told == ["bob", "carol"]
    m.said(cmd.Subscribe("bob", "s5", "category", "precious_metal_coins", active=False))
    m.said(cmd.Subscribe("bob", "s6", "kind", KIND, active=False))
    events = m.send(cmd.ListClock("alice", "k9", KIND, 5, 1, 200_000, 100_000, "HKD", m.ts + 100, m.ts + 10_000))
    assert [e.account for e in events if isinstance(e, UserNotified)] == ["carol"]


def test_the_lottery_order_is_recomputable_from_the_published_seed_with_sha256_alone():
    import hashlib
    from cloud.market.issues import allocate
    applied = [5, 5, 5, 5]
    draws = {n: hashlib.sha256(f"new-1:s33d:{n}".encode()).hexdigest() for n in (1, 2, 3, 4)}
    first, second = sorted(draws, key=draws.get)[:2]
    allocated = allocate("lottery", "s33d", "new-1", 10, applied)
    assert [i + 1 for i, units in enumerate(allocated) if units] == sorted([first, second])
    assert sum(allocated) == 10
