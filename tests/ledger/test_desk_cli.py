"""./hall ledger and ./hall custody: amounts as people write them, messages checked before sending,
and the arbiter's answers printed for people with the right exit code."""
from __future__ import annotations

import json

import pytest

from cloud import desk as cli
from cloud.ledger.domain import LedgerDomain
from shared import backoffice as bo, messages
from tests.ledger.driver import Desk


@pytest.mark.parametrize("text, currency, minor", [
    ("1500", "HKD", 150_000), ("1,500.5", "HKD", 150_050), ("0.01", "HKD", 1), ("12,345,678", "USD", 1_234_567_800),
    ("1500", "JPY", 1500),
])
def test_amounts_as_people_write_them(text, currency, minor):
    assert cli.parse_amount(text, currency) == minor


@pytest.mark.parametrize("text, currency", [("1.505", "HKD"), ("1.5", "JPY"), ("1e3", "HKD"), ("-5", "HKD"), ("1,50", "HKD"), ("", "HKD")])
def test_what_is_not_an_amount_is_refused(text, currency):
    with pytest.raises(ValueError):
        cli.parse_amount(text, currency)


def args(desk: str, *argv: str):
    return cli.parser(desk).parse_args(list(argv))


def test_each_desk_line_becomes_the_message_the_arbiter_reads():
    deposit = cli.checked(cli.ledger_message(args("ledger", "deposit", "alice", "1,500", "--reference", "HSBC-778"), "HKD"))
    assert (deposit.action, deposit.account, deposit.amount, deposit.currency, deposit.reference) == ("deposit", "alice", 150_000, "HKD", "HSBC-778")
    approve = cli.checked(cli.ledger_message(args("ledger", "approve", "alice", "r1", "--reference", "FPS-1"), "HKD"))
    assert (approve.action, approve.request_id, approve.reference) == ("approve_payout", "r1", "FPS-1")
    trial = cli.checked(cli.ledger_message(args("ledger", "trial-balance"), "HKD"))
    assert isinstance(trial, bo.LedgerQuery) and trial.report == "trial_balance"
    kind = cli.checked(cli.custody_message(args("custody", "define", "gb-penny-black-vf", "--category", "stamps", "--name", "Penny Black",
                                                "--grade", "VF", "--scale", "stamp", "--year", "1840", "--ref", "SG:2", "--ref", "Scott:1")))
    assert kind.kind.references == (bo.CatalogueRef("SG", "2"), bo.CatalogueRef("Scott", "1")) and kind.kind.grade == bo.Grade("stamp", "VF")
    slab = cli.checked(cli.custody_message(args("custody", "deposit", "slab-1", "--account", "alice", "--kind", "k",
                                                "--grader", "PCGS", "--certificate", "41234567")))
    assert (slab.item, slab.account, slab.quantity, slab.grader) == ("slab-1", "alice", 1, "PCGS")


@pytest.mark.parametrize("desk, argv", [
    ("ledger", ("deposit", "alice", "100")),                                   # no bank reference
    ("ledger", ("decline", "alice", "r1")),                                    # no reason
    ("custody", ("withdraw", "slab-1", "--account", "alice")),                 # no shipping reference
    ("custody", ("deposit", "slab-1", "--account", "a:b", "--kind", "k")),     # not an account name
])
def test_an_incomplete_line_is_refused_before_anything_is_sent(desk, argv, capsys):
    with pytest.raises(SystemExit) as ended:
        cli.main([desk, *argv, "--port", "1"])        # port 1: nothing listens, and nothing is tried
    assert ended.value.code == 1 and capsys.readouterr().err.startswith("refused:")


def answered(desk: Desk, query: bo.LedgerQuery) -> dict:
    return json.loads(LedgerDomain().report(desk.house, query, desk.seq).payload)


def test_statements_and_the_trial_balance_print_for_people():
    d = Desk().user("alice")
    d.deposit("alice", 150_050, reference="HSBC-778")
    text, code = cli.render(answered(d, bo.LedgerQuery(command_id="q", report="statement", account="alice")))
    assert code == 0 and "1,500.50 HKD" in text and "HSBC-778" in text and "available 1,500.50 HKD" in text
    text, code = cli.render(answered(d, bo.LedgerQuery(command_id="q", report="trial_balance")))
    assert code == 0 and text.endswith("the books balance") and "external:bank:HKD" in text


def test_books_that_do_not_balance_exit_non_zero():
    broken = bo.TrialBalance(lines=(bo.TrialLine("external:bank:HKD", "HKD", 5, 0, 0, 0),),
                             totals=(bo.LedgerTotal("HKD", 5, 0, 0, 0, False),), balanced=False, seq=9)
    text, code = cli.render(json.loads(messages.encode(broken)))
    assert code == 1 and "NOT BALANCED" in text and text.endswith("THE BOOKS DO NOT BALANCE")


def test_refusals_exit_non_zero_with_their_code():
    refused = messages.CommandResult("c1", "rejected", "INSUFFICIENT_FUNDS", "alice has 5 HKD available, not 6 HKD", 4)
    assert cli.render(json.loads(messages.encode(refused))) == ("refused (INSUFFICIENT_FUNDS): alice has 5 HKD available, not 6 HKD", 1)
    assert cli.render(json.loads(messages.encode(messages.Error("UNKNOWN_BIDDER", "there is no account 'x'"))))[1] == 1


def test_a_users_kept_notices_are_listed():
    d = Desk().user("alice")
    d.deposit("alice", 150_000, reference="HSBC-778")
    d.request("alice", 40_000, "r1")
    query = cli.checked(cli.ledger_message(args("ledger", "notices", "alice"), "HKD"))
    text, code = cli.render(answered(d, query))
    assert code == 0 and text.splitlines()[1:] == [
        f"  seq {d.seq - 1}  funds: 1,500 HKD received (bank reference HSBC-778).",
        f"  seq {d.seq}  funds: Your payout request for 400 HKD is held for the house's approval."]
