"""The back office's wire schemas, their translation into core commands, and the domains' purity."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cloud.core.domain import AuctionDomain
from cloud.custody import commands as custody
from cloud.custody.domain import CustodyDomain
from cloud.custody.wire import catalog_command, custody_command
from cloud.domains import house_codec
from cloud.identity.domain import IdentityDomain
from cloud.kernel.domain import House
from cloud.ledger import commands as ledger
from cloud.ledger.domain import LedgerDomain
from cloud.ledger.wire import ledger_command, payout_request
from shared import backoffice as bo, messages
from shared.backoffice import grade_complaint
from shared.codes import Code
from tests.ledger.driver import DRAGON

ROOT = Path(__file__).resolve().parents[2]

EXAMPLES = [
    bo.CatalogCommand(command_id="k1", action="define_kind", kind=DRAGON),
    bo.CatalogCommand(command_id="k2", action="add_category", category="banknotes", label="Banknotes"),
    bo.CustodyCommand(command_id="c1", action="deposit", item="slab-1", account="alice", kind=DRAGON.kind, grader="PCGS", certificate="4123"),
    bo.LedgerCommand(command_id="l1", action="deposit", account="alice", amount=150_000, currency="HKD", reference="HSBC 778"),
    bo.LedgerQuery(command_id="q1", report="statement", account="alice"),
    bo.PayoutRequest(request_id="r1", amount=40_000, currency="HKD"),
    bo.TrialBalance(lines=(bo.TrialLine("external:bank:HKD", "HKD", 5, 0, 0, 0),),
                    totals=(bo.LedgerTotal("HKD", 5, 5, 0, 0, True),), balanced=True, seq=3),
    bo.Statement(account="alice", lines=(bo.StatementLine("house:l1:0", 1, "user:alice:cash:HKD", "HKD", 5, "posted", 5, 5),),
                 balances=(bo.Balance("user:alice:cash:HKD", "HKD", 5, 0, 5),), seq=3),
    bo.Notices(account="alice", notices=(messages.Notice(kind="funds", text="5 HKD received", seq=2),), seq=3, command_id="q2"),
]


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: m.TYPE)
def test_every_back_office_message_round_trips(message):
    assert messages.decode(messages.encode(message), type(message), limit=10_000) == message


BAD = [
    (b'{"v":1,"type":"ledger_command","command_id":"l1","action":"deposit","ammount":5}', Code.UNKNOWN_FIELD, "ammount"),
    (b'{"v":1,"type":"ledger_command","command_id":"l1","action":"steal"}', Code.BAD_VALUE, "action"),
    (b'{"v":1,"type":"ledger_command","command_id":"l1","action":"deposit","amount":1.5}', Code.WRONG_TYPE, "amount"),
    (b'{"v":1,"type":"ledger_command","command_id":"l1","action":"deposit","account":"a:b"}', Code.BAD_VALUE, "account"),
    (b'{"v":1,"type":"ledger_command","command_id":"l1","action":"deposit","reference":"  "}', Code.BAD_VALUE, "reference"),
    (b'{"v":1,"type":"payout_request","request_id":"r1","amount":0,"currency":"HKD"}', Code.BAD_VALUE, "amount"),
    (b'{"v":1,"type":"custody_command","command_id":"c","action":"deposit","item":"i/1","account":"a"}', Code.BAD_VALUE, "item"),
    (b'{"v":1,"type":"catalog_command","command_id":"k","action":"define_kind","kind":{"kind":"k","category":"stamps",'
     b'"name":"x","grade":{"scale":"vibes","value":"VF"},"issue_year":1840}}', Code.BAD_VALUE, "kind.grade.scale"),
]


@pytest.mark.parametrize("payload, code, field", BAD, ids=[b[2] for b in BAD])
def test_a_bad_message_is_refused_with_its_code_and_field(payload, code, field):
    with pytest.raises(messages.ProtocolError) as refused:
        messages.decode(payload, (bo.LedgerCommand, bo.PayoutRequest, bo.CustodyCommand, bo.CatalogCommand))
    assert (refused.value.code, refused.value.field) == (code, field)


def test_each_desk_action_becomes_its_core_command():
    base = dict(command_id="l1", account="alice", amount=5, currency="HKD")
    assert ledger_command(bo.LedgerCommand(action="deposit", reference="W", **base)) == ledger.RecordDeposit("l1", "alice", 5, "HKD", "W")
    assert ledger_command(bo.LedgerCommand(action="payout", reference="P", **base)) == ledger.RecordPayout("l1", "alice", 5, "HKD", "P")
    assert ledger_command(bo.LedgerCommand(command_id="l2", action="approve_payout", account="alice", request_id="r1", reference="P")) == \
        ledger.DecidePayout("l2", "alice", "r1", True, "P")
    assert ledger_command(bo.LedgerCommand(command_id="l3", action="decline_payout", account="alice", request_id="r1", reason="no")) == \
        ledger.DecidePayout("l3", "alice", "r1", False, "no")
    assert ledger_command(bo.LedgerCommand(command_id="l4", action="reverse", transfer_id="house:l1:0", reason="typo")) == \
        ledger.ReverseTransfer("l4", "house:l1:0", "typo")
    assert payout_request(bo.PayoutRequest(request_id="r1", amount=5, currency="HKD"), "alice") == ledger.RequestPayout("alice", "r1", 5, "HKD")
    assert catalog_command(EXAMPLES[0]) == custody.DefineKind("k1", DRAGON)
    assert custody_command(EXAMPLES[2]) == custody.DepositItem("c1", "slab-1", "alice", DRAGON.kind, 1, "PCGS", "4123")
    assert custody_command(bo.CustodyCommand(command_id="c2", action="withdraw", item="slab-1", account="bob", shipping_reference="SF1")) == \
        custody.WithdrawItem("c2", "slab-1", "bob", "SF1")


@pytest.mark.parametrize("message, field", [
    (bo.LedgerCommand(command_id="l1", action="deposit", account="alice", amount=5, currency="HKD"), "reference"),
    (bo.LedgerCommand(command_id="l1", action="approve_payout", account="alice", reference="P"), "request_id"),
    (bo.LedgerCommand(command_id="l1", action="reverse", reason="typo"), "transfer_id"),
    (bo.CustodyCommand(command_id="l1", action="withdraw", item="slab-1", account="bob"), "shipping_reference"),
    (bo.CatalogCommand(command_id="l1", action="define_kind"), "kind"),
], ids=lambda v: v if isinstance(v, str) else v.action)
def test_an_action_without_what_it_needs_is_refused_before_it_is_sequenced(message, field):
    translate = {bo.LedgerCommand: ledger_command, bo.CustodyCommand: custody_command, bo.CatalogCommand: catalog_command}[type(message)]
    with pytest.raises(messages.ProtocolError) as refused:
        translate(message)
    assert (refused.value.code, refused.value.field, refused.value.ref) == (Code.MISSING_FIELD, field, "l1")


@pytest.mark.parametrize("scale, value, ok", [
    ("sheldon", "MS-65", True), ("sheldon", "PO-1", True), ("sheldon", "PR70", True), ("sheldon", "AU-58", True),
    ("sheldon", "MS-0", False), ("sheldon", "MS-71", False), ("sheldon", "ZZ-50", False), ("sheldon", "VF", False),
    ("stamp", "XF-S", True), ("stamp", "VF", True), ("stamp", "MS-65", False), ("stamp", "vf", False),
])
def test_grades_on_their_named_scales(scale, value, ok):
    assert (grade_complaint(scale, value) is None) is ok


PURE_STDLIB = {"__future__", "collections", "dataclasses", "enum", "functools", "re", "typing"}


def domain_files() -> list[Path]:
    return sorted(p for d in ("cloud/ledger", "cloud/custody") for p in (ROOT / d).glob("*.py"))


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domains_are_pure(path):
    for node in ast.walk(ast.parse(path.read_text())):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module] if isinstance(node, ast.ImportFrom) else []
        for name in names:
            top = name.split(".")[0]
            assert top in PURE_STDLIB or top == "shared" or name.startswith(
                ("cloud.ledger", "cloud.custody", "cloud.core.refusal", "cloud.kernel.domain", "cloud.kernel.tail", "cloud.identity")),\
                f"{path.name} imports {name}"


def test_the_journal_knows_every_type_of_the_house_once():
    codec = house_codec(House([IdentityDomain(), AuctionDomain(), LedgerDomain(), CustodyDomain()]))
    assert {"TransferRecorded", "KindDefined", "KindSpec", "DepositItem", "RecordDeposit"} <= set(codec.registry)
