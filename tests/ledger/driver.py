"""Drives a house of identity, ledger and custody the way the kernel does: stamp seq and ts, decide,
apply, keep the journal of events (replay applies those alone)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from cloud.custody import commands as custody
from cloud.custody.domain import CustodyDomain
from cloud.identity.commands import CheckPin, ManageAccount
from cloud.identity.domain import IdentityDomain
from cloud.kernel.domain import House, Stamped, Tick
from cloud.kernel.store import Entry
from cloud.ledger import commands as ledger
from cloud.ledger import events as ev
from cloud.ledger.answers import Answer
from cloud.ledger.events import Phase, Transfer
from cloud.ledger.domain import LedgerDomain
from cloud.ledger.state import LedgerState
from shared.backoffice import CatalogueRef, Grade, KindSpec, StatementLine

PIN_HASH = "scrypt$16384$8$1$" + "0" * 32 + "$" + "0" * 64
DRAGON = KindSpec(kind="hk-dragon-1988-ms65", category="precious_metal_coins", name="Hong Kong 1988 Year of the Dragon $1,000 gold",
                  grade=Grade("sheldon", "MS-65"), issue_year=1988, issue_quantity=25_000, issuer="Hong Kong",
                  denomination="1000 dollars", material="gold .917", weight_mg=15_976,
                  references=(CatalogueRef("KM", "63"), CatalogueRef("Numista", "5371")))
PENNY_BLACK = KindSpec(kind="gb-penny-black-vf", category="stamps", name="Penny Black", grade=Grade("stamp", "VF"),
                       issue_year=1840, issue_quantity=68_808_000, issuer="United Kingdom", denomination="1d",
                       references=(CatalogueRef("SG", "2"), CatalogueRef("Scott", "1")))


def new_house() -> House:
    return House([IdentityDomain(), LedgerDomain(), CustodyDomain()])


@dataclass
class Desk:
    house: House = field(default_factory=new_house)
    seq: int = 0
    ts: int = 1_000_000
    entries: list[Entry] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def ledger(self) -> LedgerState:
        return self.house["ledger"]

    def send(self, command: Any, advance_ms: int = 10) -> list[Any]:
        self.ts += advance_ms
        self.seq += 1
        stamped = Stamped(self.seq, self.ts, command)
        events = self.house.handle(stamped)
        self.entries.append(Entry(stamped, events))
        return events

    @property
    def journal(self) -> list[list[Any]]:
        """Each command's events, in order: what replay applies."""
        return [entry.events for entry in self.entries]

    def answer(self, command: Any, advance_ms: int = 10) -> Answer:
        """Send a command and return its answer (the last event of an answered command)."""
        events = self.send(command, advance_ms)
        answer = events[-1]
        assert isinstance(answer, Answer), events
        return answer

    def next_id(self, prefix: str = "c") -> str:
        return f"{prefix}{next(self._ids)}"

    def user(self, account: str, unlocked: bool = True) -> "Desk":
        """A registered, approved account; `unlocked`: it gave its trade PIN this session."""
        self.send(ManageAccount(self.next_id("a"), "register", account, handle=account, pin_hash=PIN_HASH))
        self.send(ManageAccount(self.next_id("a"), "approve", account))
        if unlocked:
            self.send(CheckPin(account, True, PIN_HASH))
        return self

    def deposit(self, account: str, amount: int, currency: str = "HKD", reference: str | None = None) -> Answer:
        return self.answer(ledger.RecordDeposit(self.next_id(), account, amount, currency, reference or self.next_id("wire-")))

    def payout(self, account: str, amount: int, currency: str = "HKD", reference: str | None = None) -> Answer:
        return self.answer(ledger.RecordPayout(self.next_id(), account, amount, currency, reference or self.next_id("pay-")))

    def request(self, account: str, amount: int, request_id: str, currency: str = "HKD") -> Answer:
        return self.answer(ledger.RequestPayout(account, request_id, amount, currency))

    def decide_payout(self, account: str, request_id: str, approve: bool, reference: str | None = None) -> Answer:
        return self.answer(ledger.DecidePayout(self.next_id(), account, request_id, approve,
                                               reference or self.next_id("pay-" if approve else "reason ")))

    def reverse(self, transfer_id: str, reason: str = "recorded against the wrong account") -> Answer:
        return self.answer(ledger.ReverseTransfer(self.next_id(), transfer_id, reason))

    def define(self, spec: KindSpec = DRAGON) -> Answer:
        return self.answer(custody.DefineKind(self.next_id(), spec))

    def deposit_item(self, account: str, item: str, kind: str = DRAGON.kind, quantity: int = 1, **slab: str) -> Answer:
        return self.answer(custody.DepositItem(self.next_id(), item, account, kind, quantity, **slab))

    def withdraw_item(self, account: str, item: str, reference: str = "SF1234567890") -> Answer:
        return self.answer(custody.WithdrawItem(self.next_id(), item, account, reference))

    def tick(self, advance_ms: int) -> list[Any]:
        return self.send(Tick(), advance_ms)

    def balance(self, account: str) -> tuple[int, int]:
        """(posted balance, available) of a ledger account."""
        held = self.ledger.account(account)
        return held.balance, held.available

    def replayed(self) -> House:
        """A fresh house of the same domains, rebuilt from the journaled events alone."""
        house = House(self.house.domains)
        for events in self.journal:
            for event in events:
                house.apply(event)
        return house


def journaled(desk: Desk) -> dict[str, Transfer]:
    """Every transfer the journal holds, by id, in journal order."""
    return {e.transfer.id: e.transfer for events in desk.journal for e in events if isinstance(e, ev.TransferRecorded)}


def statement_before(desk: Desk, user: str, last: int | None = None) -> tuple[StatementLine, ...]:
    """The statement as the ledger printed it when it kept every transfer live (its code, over the journal)."""
    transfers = journaled(desk)
    state = desk.ledger
    posted = {name: state.accounts[name].balance for name in state.holders.get(user, ())}
    held = {name: state.accounts[name].debits_pending for name in posted}
    history = [t.id for t in transfers.values() if t.debit in posted or t.credit in posted]
    lines = []
    for transfer_id in reversed(history[-last:] if last else history):
        t = transfers[transfer_id]
        account = t.credit if t.credit in posted else t.debit
        sign = 1 if account == t.credit else -1
        lines.append(StatementLine(t.id, t.ts, account, t.ledger, sign * t.amount, t.phase.value, posted[account],
                                   posted[account] - held[account], t.reference))
        if t.phase in (Phase.POSTED, Phase.POST):
            posted[account] -= sign * t.amount
        if sign < 0 and t.phase is Phase.PENDING:
            held[account] -= t.amount
        elif sign < 0 and t.pending_id:
            held[account] += transfers[t.pending_id].amount
    return tuple(reversed(lines))
