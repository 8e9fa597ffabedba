"""The ledger's rules for the house desk's commands and users' payout requests. Pure: every rule
plans its transfers with Postings, so a refusal anywhere leaves the ledger as it was."""
from __future__ import annotations

from functools import singledispatch
from typing import Any

from cloud.core.refusal import Refusal
from cloud.identity.domain import identity
from cloud.identity.rules import trade_refusal
from cloud.kernel.domain import House
from cloud.ledger import commands as cmd, events as ev
from cloud.ledger.accounts import bank, quantity, user_cash
from cloud.ledger.answers import answer_once
from cloud.ledger.events import Phase
from cloud.ledger.postings import Postings
from cloud.ledger.state import LedgerState
from shared.codes import Code

Outcome = tuple[list[Any], str]     # the events, and the sentence for the sender


def registered(house: House, account: str) -> None:
    if account not in identity(house).accounts:
        raise Refusal(Code.UNKNOWN_BIDDER, f"there is no account '{account}'")


def run(house: House, state: LedgerState, command: cmd.HouseCommand, seq: int, ts: int) -> list[Any]:
    """A house desk command, answered once on the house's result topic."""
    def decide() -> Outcome:
        return _desk(command, house, state, Postings(state, ts), f"house:{command.command_id}", seq)
    return answer_once(state.answers, f"house/{command.command_id}", ev.LedgerAnswered, ev.LedgerAnsweredAgain,
                       command.command_id, None, seq, decide)


def request_payout(house: House, state: LedgerState, command: cmd.RequestPayout, seq: int, ts: int) -> list[Any]:
    key = f"user:{command.account}/{command.request_id}"

    def decide() -> Outcome:
        refusal = trade_refusal(identity(house).accounts.get(command.account), command.account, ts)
        if refusal is not None:
            raise refusal
        plan = Postings(state, ts)
        hold = plan.pending(f"{key}:hold", user_cash(command.account, command.currency), bank(command.currency),
                            command.amount, f"payout request {command.request_id}")
        text = f"Your payout request for {quantity(command.amount, command.currency)} is held for the house's approval."
        return [*plan.events(), ev.PayoutRequested(key, command.account, command.request_id, hold.id),
                ev.UserNotified(command.account, "funds", text, seq)], text
    return answer_once(state.answers, key, ev.LedgerAnswered, ev.LedgerAnsweredAgain, command.request_id, command.account,
                       seq, decide)


def expire(state: LedgerState, ts: int) -> list[Any]:
    """The house's clock passed a hold's timeout: the hold is voided, the same way in replay."""
    plan = Postings(state, ts)
    for pending_id, timeout_at in state.timeouts.items():
        if timeout_at <= ts:
            plan.void(f"{pending_id}:timeout", pending_id, "hold timed out")
    return plan.events()


def deadline(state: LedgerState) -> int | None:
    return min(state.timeouts.values(), default=None)


def _once(state: LedgerState, reference: str) -> str:
    if reference in state.references:
        raise Refusal(Code.DUPLICATE_REFERENCE, f"{reference} is already recorded (transfer {state.references[reference]})")
    return reference


@singledispatch
def _desk(command: Any, house: House, state: LedgerState, plan: Postings, prefix: str, seq: int) -> Outcome:
    raise TypeError(f"the ledger does not decide {type(command).__name__}")


@_desk.register
def _(c: cmd.RecordDeposit, house: House, state: LedgerState, plan: Postings, prefix: str, seq: int) -> Outcome:
    registered(house, c.account)
    recorded = _once(state, f"deposit:{c.reference}")
    moved = plan.transfer(f"{prefix}:0", bank(c.currency), user_cash(c.account, c.currency), c.amount, c.reference)
    text = f"{quantity(c.amount, c.currency)} received (bank reference {c.reference})."
    return [*plan.events(), ev.ReferenceRecorded(recorded, moved.id), ev.UserNotified(c.account, "funds", text, seq)], \
        f"deposit of {quantity(c.amount, c.currency)} credited to {c.account}"


@_desk.register
def _(c: cmd.RecordPayout, house: House, state: LedgerState, plan: Postings, prefix: str, seq: int) -> Outcome:
    registered(house, c.account)
    recorded = _once(state, f"payout:{c.reference}")
    moved = plan.transfer(f"{prefix}:0", user_cash(c.account, c.currency), bank(c.currency), c.amount, c.reference)
    text = f"{quantity(c.amount, c.currency)} paid out to you (payout reference {c.reference})."
    return [*plan.events(), ev.ReferenceRecorded(recorded, moved.id), ev.UserNotified(c.account, "funds", text, seq)], \
        f"payout of {quantity(c.amount, c.currency)} from {c.account} recorded"


@_desk.register
def _(c: cmd.DecidePayout, house: House, state: LedgerState, plan: Postings, prefix: str, seq: int) -> Outcome:
    key = f"user:{c.account}/{c.request_id}"
    payout = state.payouts.get(key)
    if payout is None:
        raise Refusal(Code.UNKNOWN_PAYOUT, f"{c.account} has no payout request {c.request_id}")
    if payout.status != "requested":
        raise Refusal(Code.PENDING_CLOSED, f"payout request {c.request_id} was already {payout.status}")
    if not c.approve:
        released = plan.void(f"{prefix}:0", payout.transfer_id, c.reference)
        text = (f"Your payout request for {quantity(released.amount, released.ledger)} was declined: {c.reference}. "
                "The funds are available again.")
        return [*plan.events(), ev.PayoutDecided(key, False), ev.UserNotified(c.account, "funds", text, seq)], \
            f"payout request {c.request_id} declined"
    recorded = _once(state, f"payout:{c.reference}")
    paid = plan.post(f"{prefix}:0", payout.transfer_id, reference=c.reference)
    text = f"Your payout of {quantity(paid.amount, paid.ledger)} was sent (payout reference {c.reference})."
    return [*plan.events(), ev.ReferenceRecorded(recorded, paid.id), ev.PayoutDecided(key, True),
            ev.UserNotified(c.account, "funds", text, seq)], f"payout request {c.request_id} paid"


@_desk.register
def _(c: cmd.ReverseTransfer, house: House, state: LedgerState, plan: Postings, prefix: str, seq: int) -> Outcome:
    original = state.known(c.transfer_id)
    if original is None:
        raise Refusal(Code.UNKNOWN_TRANSFER, f"there is no transfer {c.transfer_id}")
    if original.phase not in (Phase.POSTED, Phase.POST):
        raise Refusal(Code.NOT_REVERSIBLE, f"{c.transfer_id} moved nothing ({original.phase.value}): post or void its hold instead")
    if original.ledger.startswith("units:"):
        raise Refusal(Code.NOT_REVERSIBLE, f"{c.transfer_id} moved units: units move with their items (./hall custody)")
    if c.transfer_id in state.reversals:
        raise Refusal(Code.NOT_REVERSIBLE, f"{c.transfer_id} was already reversed by {state.reversals[c.transfer_id]}")
    plan.transfer(f"{prefix}:0", original.credit, original.debit, original.amount, c.reason, reverses=c.transfer_id)
    users = [state.accounts[name].user for name in (original.debit, original.credit)]
    text = f"Transfer {c.transfer_id} of {quantity(original.amount, original.ledger)} was reversed: {c.reason}."
    return [*plan.events(), *(ev.UserNotified(u, "funds", text, seq) for u in users if u)], f"{c.transfer_id} reversed"
