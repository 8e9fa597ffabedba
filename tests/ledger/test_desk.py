"""The house desk's ledger commands, users' payout requests, and what each party is told."""
from __future__ import annotations

import json

import pytest

from cloud.ledger import commands as ledger
from cloud.ledger.accounts import bank, user_cash
from cloud.ledger.events import Phase
from cloud.ledger.state import closed_of
from cloud.ledger.views import balances, statement, trial_balance
from shared import backoffice, topics
from shared.codes import Code
from cloud.identity.commands import CheckPin, ManageAccount
from tests.ledger.driver import PIN_HASH, Desk

ALICE = user_cash("alice", "HKD")


@pytest.fixture
def desk() -> Desk:
    return Desk().user("alice").user("bob", unlocked=False)


def published(desk: Desk, events: list) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for p in desk.house.publications(events) + desk.house.settled(events, desk.seq, desk.ts):
        out.setdefault(p.topic, []).append({**json.loads(p.payload), "_retain": p.retain})
    return out


def test_a_deposit_credits_the_user_from_the_bank_and_tells_both(desk):
    events = desk.send(ledger.RecordDeposit("d1", "alice", 150_000, "HKD", "HSBC-778"))
    assert desk.balance(ALICE) == (150_000, 150_000) and desk.ledger.accounts[bank("HKD")].debits_posted == 150_000
    out = published(desk, events)
    [answer] = out[topics.HOUSE_RESULT.format()]
    assert (answer["command_id"], answer["status"], answer["code"]) == ("d1", "ok", "OK")
    [notice] = out[topics.USER_NOTICE.format(account="alice")]
    assert notice["text"] == "1,500 HKD received (bank reference HSBC-778)."
    [held] = out[topics.USER_HOLDINGS.format(account="alice")]
    assert held["_retain"] and held["balances"] == [{"account": ALICE, "ledger": "HKD", "balance": 150_000, "held": 0, "available": 150_000}]
    [lines] = out[topics.USER_STATEMENT.format(account="alice")]
    assert [l["amount"] for l in lines["lines"]] == [150_000]


def test_the_same_command_again_posts_nothing_and_gets_the_same_answer(desk):
    first = desk.send(ledger.RecordDeposit("d1", "alice", 150_000, "HKD", "HSBC-778"))
    before = desk.house.state_hash()
    again = desk.send(ledger.RecordDeposit("d1", "alice", 150_000, "HKD", "HSBC-778"))
    assert desk.house.state_hash() == before and desk.balance(ALICE) == (150_000, 150_000)
    assert published(desk, again)[topics.HOUSE_RESULT.format()] == published(desk, first)[topics.HOUSE_RESULT.format()]


REFUSED = [
    ("unknown account", lambda d: d.deposit("alcie", 100), Code.UNKNOWN_BIDDER),
    ("the same wire recorded twice", lambda d: (d.deposit("alice", 100, reference="W1"), d.deposit("bob", 100, reference="W1"))[-1],
     Code.DUPLICATE_REFERENCE),
    ("a payout beyond the balance", lambda d: (d.deposit("alice", 100), d.payout("alice", 101))[-1], Code.INSUFFICIENT_FUNDS),
    ("a payout of another currency", lambda d: (d.deposit("alice", 100), d.payout("alice", 50, "USD"))[-1], Code.INSUFFICIENT_FUNDS),
    ("a payout request without the PIN", lambda d: (d.deposit("bob", 100), d.request("bob", 50, "r1"))[-1], Code.PIN_REQUIRED),
    ("a payout request beyond the balance", lambda d: (d.deposit("alice", 100), d.request("alice", 101, "r1"))[-1],
     Code.INSUFFICIENT_FUNDS),
    ("a payout request from an account not approved", lambda d: (d.send(ManageAccount("a9", "register", "dan", handle="dan", pin_hash=PIN_HASH)),
                                                                  d.request("dan", 50, "r1"))[-1], Code.NOT_APPROVED),
    ("reversing units", lambda d: (d.define(), d.deposit_item("alice", "i1"), d.reverse(next(iter(d.ledger.closed))))[-1],
     Code.NOT_REVERSIBLE),
    ("a payout request while trading is locked", lambda d: ([d.send(CheckPin("alice", False, PIN_HASH)) for _ in range(5)],
                                                          d.deposit("alice", 100), d.request("alice", 50, "r1"))[-1], Code.PIN_LOCKED),
    ("approving a request nobody made", lambda d: d.decide_payout("alice", "r9", True), Code.UNKNOWN_PAYOUT),
    ("approving twice", lambda d: (d.deposit("alice", 100), d.request("alice", 50, "r1"), d.decide_payout("alice", "r1", True),
                                   d.decide_payout("alice", "r1", False))[-1], Code.PENDING_CLOSED),
    ("reversing what does not exist", lambda d: d.reverse("house:nope:0"), Code.UNKNOWN_TRANSFER),
    ("reversing a hold", lambda d: (d.deposit("alice", 100), d.request("alice", 50, "r1"), d.reverse("user:alice/r1:hold"))[-1],
     Code.NOT_REVERSIBLE),
    ("reversing twice", lambda d: (d.deposit("alice", 100, reference="W1"), d.reverse(d.ledger.references["deposit:W1"]),
                                   d.reverse(d.ledger.references["deposit:W1"]))[-1], Code.NOT_REVERSIBLE),
    ("reversing money already paid out", lambda d: (d.deposit("alice", 100, reference="W1"), d.payout("alice", 100),
                                                    d.reverse(d.ledger.references["deposit:W1"]))[-1], Code.INSUFFICIENT_FUNDS),
]


@pytest.mark.parametrize("steps, code", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refusals_are_coded_answers_and_move_nothing(desk, steps, code):
    answer = steps(desk)
    assert (answer.ok, answer.code) == (False, code), answer.message
    assert all(t.balanced for t in trial_balance(desk.ledger)[1])
    assert not [e for e in desk.journal[-1] if type(e).__name__ == "TransferRecorded"]


def test_a_payout_request_holds_the_amount_until_the_house_pays_it(desk):
    desk.deposit("alice", 100_000)
    answer = desk.request("alice", 40_000, "r1")
    assert answer.ok and answer.account == "alice"
    assert desk.balance(ALICE) == (100_000, 60_000)
    assert desk.payout("alice", 60_001).code is Code.INSUFFICIENT_FUNDS      # the hold counts
    paid = desk.decide_payout("alice", "r1", True, "FPS-99")
    assert paid.ok and desk.balance(ALICE) == (60_000, 60_000)
    assert desk.ledger.payouts["user:alice/r1"].status == "approved"
    assert desk.ledger.accounts[bank("HKD")].balance == -60_000


def test_a_declined_payout_request_releases_the_hold_and_says_why(desk):
    desk.deposit("alice", 100_000)
    desk.request("alice", 40_000, "r1")
    events = desk.send(ledger.DecidePayout("x1", "alice", "r1", False, "account details do not match"))
    assert desk.balance(ALICE) == (100_000, 100_000)
    [notice] = published(desk, events)[topics.USER_NOTICE.format(account="alice")]
    assert "declined: account details do not match" in notice["text"]


def test_a_users_request_is_answered_on_their_own_topic(desk):
    desk.deposit("alice", 100_000)
    events = desk.send(ledger.RequestPayout("alice", "r1", 40_000, "HKD"))
    [answer] = published(desk, events)[topics.BIDDER_RESULT.format(account="alice")]
    assert (answer["command_id"], answer["status"]) == ("r1", "ok")


def test_a_correction_is_a_reversing_transfer_and_the_original_stays(desk):
    desk.deposit("alice", 100_000, reference="W1")
    original = desk.ledger.references["deposit:W1"]
    assert desk.reverse(original, "the wire was for bob").ok
    assert desk.balance(ALICE) == (0, 0)
    assert closed_of(desk.ledger.closed[desk.ledger.reversals[original]]) == (Phase.POSTED, ALICE, bank("HKD"), 100_000)
    assert closed_of(desk.ledger.closed[original]) == (Phase.POSTED, bank("HKD"), ALICE, 100_000)


def test_the_statement_shows_each_transfer_with_a_running_balance(desk):
    desk.deposit("alice", 100_000, reference="W1")
    desk.request("alice", 30_000, "r1")
    desk.decide_payout("alice", "r1", False)
    desk.request("alice", 20_000, "r2")
    desk.decide_payout("alice", "r2", True, "FPS-1")
    lines = statement(desk.ledger, "alice")
    assert [(l.phase, l.amount, l.balance, l.available) for l in lines] == [
        ("posted", 100_000, 100_000, 100_000),
        ("pending", -30_000, 100_000, 70_000),
        ("void", -30_000, 100_000, 100_000),
        ("pending", -20_000, 100_000, 80_000),
        ("post", -20_000, 80_000, 80_000),
    ]
    assert [l.transfer_id for l in statement(desk.ledger, "alice", last=2)] == [l.transfer_id for l in lines[-2:]]
    assert balances(desk.ledger, "alice") == (backoffice.Balance(ALICE, "HKD", 80_000, 0, 80_000),)


def test_the_trial_balance_lists_every_account_and_balances_per_ledger(desk):
    desk.deposit("alice", 100_000)
    desk.deposit("bob", 5_000, "USD")
    desk.request("alice", 30_000, "r1")
    lines, totals = trial_balance(desk.ledger)
    assert [l.account for l in lines] == ["external:bank:HKD", "external:bank:USD", ALICE, "user:bob:cash:USD"]
    assert [(t.ledger, t.debits_posted, t.credits_posted, t.debits_pending, t.credits_pending, t.balanced) for t in totals] == [
        ("HKD", 100_000, 100_000, 30_000, 30_000, True), ("USD", 5_000, 5_000, 0, 0, True)]


def test_the_desk_asks_for_reports_by_query(desk):
    desk.deposit("alice", 100_000)
    domain = desk.house.domains[1]
    trial = json.loads(domain.report(desk.house, backoffice.LedgerQuery(command_id="q1", report="trial_balance"), desk.seq).payload)
    assert (trial["type"], trial["balanced"], trial["command_id"]) == ("trial_balance", True, "q1")
    mine = json.loads(domain.report(desk.house, backoffice.LedgerQuery(command_id="q2", report="statement", account="alice"), desk.seq).payload)
    assert [l["amount"] for l in mine["lines"]] == [100_000]
    held = json.loads(domain.report(desk.house, backoffice.LedgerQuery(command_id="q3", report="balances", account="alice"), 1).payload)
    assert held["balances"][0]["available"] == 100_000
    nobody = domain.report(desk.house, backoffice.LedgerQuery(command_id="q4", report="statement", account="alcie"), desk.seq)
    assert (nobody.topic, json.loads(nobody.payload)["code"], json.loads(nobody.payload)["ref"]) == (
        topics.HOUSE_RESULT.format(), "UNKNOWN_BIDDER", "q4")
