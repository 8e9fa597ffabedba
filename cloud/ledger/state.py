"""The ledger's state and `apply`, the only code that changes it (and `book`, shared with the planner)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import singledispatch
from typing import Any

from cloud.ledger import events as ev
from cloud.ledger.accounts import Account, opened
from cloud.ledger.events import Phase, Transfer


@dataclass
class Payout:
    account: str
    request_id: str
    transfer_id: str
    status: str = "requested"     # requested | approved | declined


@dataclass
class LedgerState:
    accounts: dict[str, Account] = field(default_factory=dict)
    transfers: dict[str, Transfer] = field(default_factory=dict)          # every transfer, in journal order
    holders: dict[str, list[str]] = field(default_factory=dict)           # user -> their account names
    by_user: dict[str, list[str]] = field(default_factory=dict)           # user -> their transfers, in order
    open_pending: dict[str, None] = field(default_factory=dict)           # pending ids not yet posted or voided
    timeouts: dict[str, int] = field(default_factory=dict)                # those with a timeout -> it (a few, not every order's hold)
    reversals: dict[str, str] = field(default_factory=dict)               # reversed transfer -> its reversal
    references: dict[str, str] = field(default_factory=dict)              # bank/payout reference -> transfer
    payouts: dict[str, Payout] = field(default_factory=dict)
    notices: dict[str, list[ev.UserNotified]] = field(default_factory=dict)
    answers: dict[str, ev.LedgerAnswered] = field(default_factory=dict)

    def account(self, name: str) -> Account:
        """The account, or a fresh empty one (accounts open on their first transfer)."""
        return self.accounts.get(name) or opened(name)


def book(debit: Account, credit: Account, transfer: Transfer, pending: Transfer | None) -> None:
    """Move the transfer's amount on both accounts (`pending`: the hold a POST or VOID closes)."""
    if pending is not None:
        debit.debits_pending -= pending.amount
        credit.credits_pending -= pending.amount
    if transfer.phase is Phase.PENDING:
        debit.debits_pending += transfer.amount
        credit.credits_pending += transfer.amount
    elif transfer.phase in (Phase.POSTED, Phase.POST):
        debit.debits_posted += transfer.amount
        credit.credits_posted += transfer.amount


@singledispatch
def apply(event: Any, state: LedgerState) -> None:
    raise TypeError(f"the ledger does not apply {type(event).__name__}")


@apply.register
def _(event: ev.TransferRecorded, state: LedgerState) -> None:
    transfer = event.transfer
    pending = state.transfers[transfer.pending_id] if transfer.pending_id else None
    debit, credit = _opened(state, transfer.debit), _opened(state, transfer.credit)
    book(debit, credit, transfer, pending)
    state.transfers[transfer.id] = transfer
    for account in (debit, credit):
        if account.user is not None:
            state.by_user[account.user].append(transfer.id)
    if transfer.reverses:
        state.reversals[transfer.reverses] = transfer.id
    if transfer.phase is Phase.PENDING:
        state.open_pending[transfer.id] = None
        if transfer.timeout_at is not None:
            state.timeouts[transfer.id] = transfer.timeout_at
    elif transfer.pending_id:
        del state.open_pending[transfer.pending_id]
        state.timeouts.pop(transfer.pending_id, None)


def _opened(state: LedgerState, name: str) -> Account:
    account = state.accounts.get(name)
    if account is None:
        account = state.accounts[name] = opened(name)
        if account.user is not None:
            state.holders.setdefault(account.user, []).append(name)
            state.by_user.setdefault(account.user, [])
    return account


@apply.register
def _(event: ev.ReferenceRecorded, state: LedgerState) -> None:
    state.references[event.reference] = event.transfer_id


@apply.register
def _(event: ev.PayoutRequested, state: LedgerState) -> None:
    state.payouts[event.key] = Payout(event.account, event.request_id, event.transfer_id)


@apply.register
def _(event: ev.PayoutDecided, state: LedgerState) -> None:
    state.payouts[event.key].status = "approved" if event.approved else "declined"


@apply.register
def _(event: ev.UserNotified, state: LedgerState) -> None:
    state.notices.setdefault(event.account, []).append(event)


@apply.register
def _(event: ev.LedgerAnswered, state: LedgerState) -> None:
    state.answers[event.key] = event


@apply.register
def _(event: ev.LedgerAnsweredAgain, state: LedgerState) -> None:
    """The same command again: nothing changes (its answer is sent again)."""
