"""What the ledger keeps live: a final transfer leaves as a tiny record, yet every rule answers as it
did when the ledger kept each transfer whole, and a statement is line for line what the code before
printed (its walk back from today's balances over every transfer, kept here as the oracle)."""
from __future__ import annotations

import json
import random

import pytest

from cloud.core.refusal import Refusal
from cloud.custody.domain import CustodyDomain
from cloud.identity.domain import IdentityDomain
from cloud.kernel.domain import House
from cloud.ledger import commands as ledger, events as ev
from cloud.ledger.accounts import house_cash, user_cash
from cloud.ledger.domain import STATEMENT_LINES, LedgerDomain
from cloud.ledger.events import Phase
from cloud.ledger.postings import Postings
from cloud.ledger.state import NOTICES_KEPT, closed_of
from cloud.ledger.views import balances, statement
from shared import backoffice, messages, topics
from shared.backoffice import StatementLine
from shared.codes import Code
from tests.ledger.driver import Desk, journaled, statement_before
from tests.ledger.test_properties import Hold, Release, Settle, Settlements

ALICE, ESCROW = user_cash("alice", "HKD"), house_cash("escrow", "HKD")


def busy(desk: Desk, transfers: int) -> None:
    """Deposits, payouts, payout requests approved and declined, holds posted in part, voided or timed
    out, and corrections, between alice and bob, until the journal holds `transfers` transfers."""
    rng = random.Random(7)
    n = 0
    while len(journaled(desk)) < transfers:
        n += 1
        who = rng.choice(("alice", "bob"))
        roll = rng.random()
        if roll < 0.3:
            desk.deposit(who, rng.randint(1, 50_000), rng.choice(("HKD", "HKD", "USD")))
        elif roll < 0.4:
            desk.payout(who, rng.randint(1, 20_000))
        elif roll < 0.55:
            desk.request(who, rng.randint(1, 20_000), f"r{n}")
            desk.decide_payout(who, f"r{n}", rng.random() < 0.5)
        elif roll < 0.65:
            desk.send(Hold(str(n), who, rng.randint(1, 20_000), rng.randint(1, 30)))
        elif roll < 0.75:
            desk.send(Settle(rng.choice([*desk.ledger.transfers, "hold:0"]).removeprefix("hold:"), rng.randint(1, 20_000),
                             rng.choice(("alice", "bob"))))
        elif roll < 0.8:
            desk.send(Release(rng.choice([*desk.ledger.transfers, "hold:0"]).removeprefix("hold:")))
        elif roll < 0.9:
            desk.tick(rng.randint(1, 20))
        else:
            desk.reverse(rng.choice([*desk.ledger.closed, "none"]))


@pytest.fixture
def desk() -> Desk:
    return Desk(House([IdentityDomain(), LedgerDomain(), CustodyDomain(), Settlements()])).user("alice").user("bob")


def test_a_statement_after_a_thousand_transfers_is_the_one_printed_before(desk):
    busy(desk, 1_000)
    phases = {t.phase for t in journaled(desk).values()}
    assert phases == set(Phase) and desk.ledger.reversals
    for user in ("alice", "bob"):
        assert statement(desk.ledger, user) == statement_before(desk, user)
        assert statement(desk.ledger, user, STATEMENT_LINES) == statement_before(desk, user, STATEMENT_LINES)
    report = desk.house.domain("ledger").report(desk.house, backoffice.LedgerQuery(command_id="q", report="statement",
                                                                                  account="alice"), desk.seq)
    assert [StatementLine(**line) for line in json.loads(report.payload)["lines"]] == list(statement_before(desk, "alice"))


def test_only_open_holds_stay_whole_and_every_other_transfer_is_a_tiny_record(desk):
    busy(desk, 300)
    desk.deposit("alice", 100)
    desk.send(Hold("open", "alice", 100, 60_000))
    transfers = journaled(desk)
    assert desk.ledger.transfers and all(t.phase is Phase.PENDING for t in desk.ledger.transfers.values())
    assert desk.ledger.transfers.keys() | desk.ledger.closed.keys() == transfers.keys()
    assert not desk.ledger.transfers.keys() & desk.ledger.closed.keys()
    for transfer_id, left in desk.ledger.closed.items():
        t = transfers[transfer_id]
        assert closed_of(left) == (t.phase, t.debit, t.credit, t.amount)


def test_a_transfer_whose_body_left_is_still_known_to_every_rule(desk):
    desk.deposit("alice", 1_000, reference="W1")
    desk.send(Hold("1", "alice", 300, 60_000))
    desk.send(Release("1"))
    desk.send(Hold("2", "alice", 200, 60_000))
    desk.send(Settle("2", 100, "bob"))
    deposit = desk.ledger.references["deposit:W1"]
    assert deposit in desk.ledger.closed and not desk.ledger.transfers
    plan = Postings(desk.ledger, desk.ts)
    refusals = [(lambda: plan.transfer(deposit, ALICE, ESCROW, 1), Code.TRANSFER_EXISTS,
                 f"transfer {deposit} exists: it is never made twice"),
                (lambda: plan.pending("hold:1", ALICE, ESCROW, 1), Code.TRANSFER_EXISTS, "transfer hold:1 exists: it is never made twice"),
                (lambda: plan.post("p", "hold:1"), Code.PENDING_CLOSED, "hold:1 was already posted or voided"),
                (lambda: plan.void("v", "hold:2"), Code.PENDING_CLOSED, "hold:2 was already posted or voided"),
                (lambda: plan.post("p", "void:1"), Code.UNKNOWN_TRANSFER, "there is no pending transfer void:1")]
    for attempt, code, message in refusals:
        with pytest.raises(Refusal) as refused:
            attempt()
        assert (refused.value.code, refused.value.message) == (code, message)
    hold = desk.reverse("hold:1")
    assert (hold.ok, hold.code, hold.message) == (False, Code.NOT_REVERSIBLE,
                                                  "hold:1 moved nothing (pending): post or void its hold instead")
    desk.deposit("alice", 1_000)
    assert desk.reverse(deposit, "the wire was for bob").ok and desk.balance(ALICE) == (900, 900)
    again = desk.reverse(deposit)
    assert (again.ok, again.code) == (False, Code.NOT_REVERSIBLE)
    assert again.message == f"{deposit} was already reversed by {desk.ledger.reversals[deposit]}"


def test_a_user_keeps_their_latest_notices_which_the_desk_lists(desk):
    for _ in range(NOTICES_KEPT + 30):
        desk.deposit("alice", 100)
    sent = [e for events in desk.journal for e in events if isinstance(e, ev.UserNotified) and e.account == "alice"]
    assert desk.ledger.notices["alice"] == sent[-NOTICES_KEPT:]
    report = desk.house.domain("ledger").report(desk.house, backoffice.LedgerQuery(command_id="q", report="notices",
                                                                                  account="alice"), desk.seq)
    assert [n["seq"] for n in json.loads(report.payload)["notices"]] == [n.seq for n in sent[-NOTICES_KEPT:]]


def test_a_command_sent_again_is_answered_as_the_first_time_from_its_answer_kept_as_text(desk):
    domain = desk.house.domain("ledger")
    desk.deposit("alice", 1_000)
    commands = [ledger.RecordDeposit("d1", "alice", 500, "HKD", "W 1"), ledger.RecordPayout("p1", "bob", 1, "HKD", "P1"),
                ledger.RequestPayout("alice", "r1", 100, "HKD"), ledger.ReverseTransfer("v1", "nope", "a typo")]
    for command in commands:
        first = domain.publications(desk.house, desk.send(command))[-1]
        again = desk.send(command)
        assert [type(e) for e in again] == [ev.LedgerAnsweredAgain]
        assert domain.publications(desk.house, again) == [first]
    assert desk.ledger.answers["user:alice/r1"].startswith("r1 1 OK ")


def test_the_retained_statement_kept_encoded_between_batches_is_the_statement_encoded_afresh(desk, monkeypatch):
    """The ledger keeps each user's latest lines encoded (cloud/kernel/tail.py); what it publishes after every
    batch is byte for byte the statement built and encoded from the state."""
    checked = []
    send = desk.send

    def send_and_publish(command, advance_ms=10):
        events = send(command, advance_ms)
        for publication in desk.house.settled(events, desk.seq, desk.ts):
            for user in ("alice", "bob"):
                if publication.topic != topics.USER_STATEMENT.format(account=user):
                    continue
                fresh = backoffice.Statement(user, statement(desk.ledger, user, STATEMENT_LINES), balances(desk.ledger, user), desk.seq)
                assert publication.payload == messages.encode(fresh)
                checked.append(user)
        return events

    monkeypatch.setattr(desk, "send", send_and_publish)
    busy(desk, 400)
    assert checked.count("alice") > STATEMENT_LINES and checked.count("bob") > STATEMENT_LINES
