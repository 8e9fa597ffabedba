"""The catalog of kinds, items into and out of custody, and their units on the ledger."""
from __future__ import annotations

import dataclasses
import json

import pytest

from cloud.custody import commands as custody
from cloud.ledger.accounts import custody as custody_account, user_units
from cloud.ledger.views import trial_balance
from shared import topics
from shared.backoffice import Grade
from shared.codes import Code
from tests.ledger.driver import DRAGON, PENNY_BLACK, Desk

ALICE_DRAGONS = user_units("alice", DRAGON.kind)


@pytest.fixture
def desk() -> Desk:
    d = Desk().user("alice").user("bob")
    d.define(DRAGON)
    d.define(PENNY_BLACK)
    return d


def test_spec_001s_four_categories_are_there_and_the_house_adds_others(desk):
    assert set(desk.house["custody"].categories) == {"coloured_commemorative", "precious_metal_coins", "withdrawn_circulating", "stamps"}
    assert desk.answer(custody.AddCategory("k1", "banknotes", "Banknotes")).ok
    note = dataclasses.replace(DRAGON, kind="hk-100-1985", category="banknotes", grade=Grade("stamp", "VF"))
    assert desk.define(note).ok                     # a category the house adds takes either scale


def test_a_kind_keeps_its_catalogue_references_and_issue(desk):
    kind = desk.house["custody"].kinds[DRAGON.kind]
    assert (kind.issue_year, kind.issue_quantity, kind.references[0].catalogue, kind.references[0].number) == (1988, 25_000, "KM", "63")


BAD_KINDS = [
    ("defined twice", DRAGON, Code.KIND_EXISTS),
    ("unknown category", dataclasses.replace(DRAGON, kind="k", category="medals"), Code.UNKNOWN_CATEGORY),
    ("a coin on the stamp scale", dataclasses.replace(DRAGON, kind="k", grade=Grade("stamp", "VF")), Code.BAD_GRADE),
    ("a stamp on Sheldon's scale", dataclasses.replace(PENNY_BLACK, kind="k", grade=Grade("sheldon", "MS-65")), Code.BAD_GRADE),
    ("Sheldon above 70", dataclasses.replace(DRAGON, kind="k", grade=Grade("sheldon", "MS-71")), Code.BAD_GRADE),
    ("Sheldon without a number", dataclasses.replace(DRAGON, kind="k", grade=Grade("sheldon", "MS")), Code.BAD_GRADE),
    ("not a stamp grade", dataclasses.replace(PENNY_BLACK, kind="k", grade=Grade("stamp", "mint")), Code.BAD_GRADE),
]


@pytest.mark.parametrize("spec, code", [r[1:] for r in BAD_KINDS], ids=[r[0] for r in BAD_KINDS])
def test_a_bad_kind_is_refused_with_its_code(desk, spec, code):
    answer = desk.define(spec)
    assert (answer.ok, answer.code) == (False, code), answer.message


def test_a_deposit_credits_the_depositors_units_and_tells_them(desk):
    events = desk.send(custody.DepositItem("d1", "slab-1", "alice", DRAGON.kind, 1, "PCGS", "41234567"))
    assert desk.balance(ALICE_DRAGONS) == (1, 1)
    assert desk.ledger.accounts[custody_account(DRAGON.kind)].debits_posted == 1
    item = desk.house["custody"].items["slab-1"]
    assert (item.depositor, item.grader, item.certificate) == ("alice", "PCGS", "41234567")
    notices = [p for p in desk.house.publications(events) if p.topic == topics.USER_NOTICE.format(account="alice")]
    assert "is in the house's custody: 1 unit of hk-dragon-1988-ms65 credited" in json.loads(notices[0].payload)["text"]


def test_a_bundle_of_stamps_is_one_item_of_many_units(desk):
    assert desk.deposit_item("bob", "album-7", PENNY_BLACK.kind, 12).ok
    assert desk.balance(user_units("bob", PENNY_BLACK.kind)) == (12, 12)


def test_a_withdrawal_ships_the_item_and_debits_the_holders_units(desk):
    desk.deposit_item("alice", "slab-1", grader="PCGS", certificate="41234567")
    answer = desk.withdraw_item("alice", "slab-1", "SF1234567890")
    assert answer.ok and desk.balance(ALICE_DRAGONS) == (0, 0)
    assert desk.house["custody"].withdrawn["slab-1"].shipping_reference == "SF1234567890"
    assert desk.deposit_item("bob", "slab-2", grader="PCGS", certificate="41234567").ok    # the slab came back: its certificate is free


REFUSED = [
    ("unknown kind", lambda d: d.deposit_item("alice", "x", "nope"), Code.UNKNOWN_KIND),
    ("unknown depositor", lambda d: d.deposit_item("alcie", "x"), Code.UNKNOWN_BIDDER),
    ("an item id used before", lambda d: (d.deposit_item("alice", "x"), d.deposit_item("bob", "x"))[-1], Code.ITEM_EXISTS),
    ("a grader without a certificate", lambda d: d.deposit_item("alice", "x", grader="PCGS"), Code.MISSING_FIELD),
    ("a slab of two", lambda d: d.deposit_item("alice", "x", quantity=2, grader="PCGS", certificate="1"), Code.BAD_VALUE),
    ("a certificate already in custody", lambda d: (d.deposit_item("alice", "x", grader="PCGS", certificate="1"),
                                                    d.deposit_item("bob", "y", grader="pcgs", certificate=" 1"))[-1],
     Code.DUPLICATE_CERTIFICATE),
    ("an unknown item shipped", lambda d: d.withdraw_item("alice", "nope"), Code.UNKNOWN_ITEM),
    ("an item shipped twice", lambda d: (d.deposit_item("alice", "x"), d.withdraw_item("alice", "x"),
                                         d.withdraw_item("alice", "x"))[-1], Code.ITEM_WITHDRAWN),
    ("shipped to someone without the units", lambda d: (d.deposit_item("alice", "x"), d.withdraw_item("bob", "x"))[-1],
     Code.INSUFFICIENT_UNITS),
]


@pytest.mark.parametrize("steps, code", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_custody_refusals_are_coded_and_move_nothing(desk, steps, code):
    answer = steps(desk)
    assert (answer.ok, answer.code) == (False, code), answer.message
    assert len(desk.journal[-1]) == 1 and all(t.balanced for t in trial_balance(desk.ledger)[1])


def test_the_same_deposit_again_credits_nothing(desk):
    command = custody.DepositItem("d1", "slab-1", "alice", DRAGON.kind)
    first = desk.send(command)
    before = desk.house.state_hash()
    again = desk.send(command)
    assert desk.house.state_hash() == before and desk.balance(ALICE_DRAGONS) == (1, 1)
    assert desk.house.publications(again) == [p for p in desk.house.publications(first) if p.topic == topics.HOUSE_RESULT.format()]
