"""The planner other domains call inside decide: each rule, and all-or-nothing plans."""
from __future__ import annotations

import pytest

from cloud.core.refusal import Refusal
from cloud.ledger.accounts import bank, custody, house_cash, user_cash, user_units
from cloud.ledger.events import Phase
from cloud.ledger.postings import Postings
from shared.codes import Code
from tests.ledger.driver import DRAGON, Desk

ALICE, BOB = user_cash("alice", "HKD"), user_cash("bob", "HKD")
ESCROW = house_cash("escrow", "HKD")


@pytest.fixture
def desk() -> Desk:
    d = Desk().user("alice").user("bob")
    d.deposit("alice", 1_000)
    d.define()
    d.deposit_item("alice", "slab-1")
    return d


def applied(desk: Desk, plan: Postings) -> list:
    """The plan's events applied as a domain's decide would return them."""
    events = plan.events()
    for event in events:
        desk.house.apply(event)
    return events


def first(plan: Postings) -> str:
    """The id of the first transfer journaled (alice's deposit)."""
    return next(iter(plan.ledger.closed))


REFUSED = [
    ("same account", lambda p: p.transfer("t", ALICE, ALICE, 1), Code.SAME_ACCOUNT),
    ("two ledgers", lambda p: p.transfer("t", ALICE, user_cash("bob", "USD"), 1), Code.LEDGER_MISMATCH),
    ("cash into units", lambda p: p.transfer("t", ALICE, user_units("bob", DRAGON.kind), 1), Code.LEDGER_MISMATCH),
    ("unknown currency", lambda p: p.transfer("t", "user:alice:cash:XXX", BOB, 1), Code.BAD_ACCOUNT),
    ("unknown house purpose", lambda p: p.transfer("t", "house:bonus:HKD", BOB, 1), Code.BAD_ACCOUNT),
    ("not an account", lambda p: p.transfer("t", "alice", BOB, 1), Code.BAD_ACCOUNT),
    ("zero amount", lambda p: p.transfer("t", ALICE, BOB, 0), Code.BAD_VALUE),
    ("more than alice has", lambda p: p.transfer("t", ALICE, BOB, 1_001), Code.INSUFFICIENT_FUNDS),
    ("held counts against her", lambda p: (p.pending("h", ALICE, ESCROW, 600), p.transfer("t", ALICE, BOB, 401)), Code.INSUFFICIENT_FUNDS),
    ("more units than she holds", lambda p: p.transfer("t", user_units("alice", DRAGON.kind), user_units("bob", DRAGON.kind), 2),
     Code.INSUFFICIENT_UNITS),
    ("bob has nothing", lambda p: p.pending("h", BOB, ESCROW, 1), Code.INSUFFICIENT_FUNDS),
    ("an id used in this plan", lambda p: (p.transfer("t", ALICE, BOB, 1), p.transfer("t", ALICE, BOB, 1)), Code.TRANSFER_EXISTS),
    ("an id already journaled", lambda p: p.transfer(first(p), ALICE, BOB, 1), Code.TRANSFER_EXISTS),
    ("post a hold that does not exist", lambda p: p.post("p", "nope"), Code.UNKNOWN_TRANSFER),
    ("post a posted transfer", lambda p: p.post("p", first(p)), Code.UNKNOWN_TRANSFER),
    ("post more than held", lambda p: (p.pending("h", ALICE, ESCROW, 500), p.post("p", "h", 501)), Code.EXCEEDS_PENDING),
    ("post a voided hold", lambda p: (p.pending("h", ALICE, ESCROW, 500), p.void("v", "h"), p.post("p", "h")), Code.PENDING_CLOSED),
    ("void a hold twice", lambda p: (p.pending("h", ALICE, ESCROW, 500), p.void("v", "h"), p.void("v2", "h")), Code.PENDING_CLOSED),
]


@pytest.mark.parametrize("steps, code", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_a_refused_step_refuses_the_plan_with_its_code_and_changes_nothing(desk, steps, code):
    before = desk.house.state_hash()
    with pytest.raises(Refusal) as refused:
        steps(Postings(desk.ledger, desk.ts))
    assert refused.value.code is code
    assert desk.house.state_hash() == before


def test_a_posted_transfer_moves_the_amount_at_once(desk):
    plan = Postings(desk.ledger, desk.ts)
    plan.transfer("t", ALICE, BOB, 400, "gift")
    applied(desk, plan)
    assert desk.balance(ALICE) == (600, 600) and desk.balance(BOB) == (400, 400)


def test_a_hold_lowers_what_is_available_and_moves_nothing(desk):
    plan = Postings(desk.ledger, desk.ts)
    plan.pending("h", ALICE, ESCROW, 700)
    applied(desk, plan)
    assert desk.balance(ALICE) == (1_000, 300)
    assert desk.ledger.accounts[ESCROW].credits_pending == 700 and desk.ledger.accounts[ESCROW].credits_posted == 0


def test_posting_part_of_a_hold_moves_that_part_and_releases_the_rest(desk):
    plan = Postings(desk.ledger, desk.ts)
    plan.pending("h", ALICE, ESCROW, 700)
    applied(desk, plan)
    plan = Postings(desk.ledger, desk.ts)
    posted = plan.post("p", "h", 250)
    applied(desk, plan)
    assert (posted.phase, posted.amount, posted.debit, posted.credit) == (Phase.POST, 250, ALICE, ESCROW)
    assert desk.balance(ALICE) == (750, 750)
    assert desk.ledger.accounts[ESCROW].balance == 250 and "h" not in desk.ledger.transfers


def test_voiding_a_hold_releases_all_of_it(desk):
    plan = Postings(desk.ledger, desk.ts)
    plan.pending("h", ALICE, ESCROW, 700)
    plan.void("v", "h")                     # a hold and its release in one plan
    applied(desk, plan)
    assert desk.balance(ALICE) == (1_000, 1_000) and desk.ledger.accounts[ESCROW].credits_pending == 0


def test_later_steps_see_the_earlier_steps_of_the_same_plan(desk):
    plan = Postings(desk.ledger, desk.ts)
    plan.transfer("in", bank("HKD"), BOB, 500)
    plan.pending("h", BOB, ESCROW, 500)     # only possible because of the step before
    plan.post("p", "h")
    plan.transfer("fee", ESCROW, house_cash("fees", "HKD"), 50)
    assert [e.transfer.id for e in applied(desk, plan)] == ["in", "h", "p", "fee"]
    assert desk.balance(BOB) == (0, 0)


def test_a_failing_last_step_leaves_the_plan_usable_for_nothing_and_the_ledger_untouched(desk):
    plan = Postings(desk.ledger, desk.ts)
    plan.transfer("a", ALICE, BOB, 900)
    with pytest.raises(Refusal):
        plan.transfer("b", ALICE, ESCROW, 200)          # 100 left: linked transfers fail together
    assert desk.balance(ALICE) == (1_000, 1_000) and BOB not in desk.ledger.accounts


def test_a_hold_with_a_timeout_is_voided_when_the_house_clock_passes_it(desk):
    plan = Postings(desk.ledger, desk.ts)
    plan.pending("h", ALICE, ESCROW, 700, timeout_ms=5_000)
    applied(desk, plan)
    assert desk.house.deadline() == desk.ts + 5_000
    assert desk.tick(4_000) == []
    [voided] = desk.tick(1_000)
    assert (voided.transfer.phase, voided.transfer.pending_id, voided.transfer.id) == (Phase.VOID, "h", "h:timeout")
    assert desk.balance(ALICE) == (1_000, 1_000) and desk.house.deadline() is None


def test_units_move_on_their_own_ledger_by_the_same_rules(desk):
    plan = Postings(desk.ledger, desk.ts)
    plan.transfer("u", user_units("alice", DRAGON.kind), user_units("bob", DRAGON.kind), 1)
    applied(desk, plan)
    assert desk.balance(user_units("bob", DRAGON.kind)) == (1, 1)
    assert desk.ledger.accounts[custody(DRAGON.kind)].debits_posted == 1
