"""Custody's rules: the catalog's categories and kinds, items deposited and shipped out. A deposit's
units are credited and a withdrawal's debited through the ledger's Postings, in the same batch."""
from __future__ import annotations

from functools import singledispatch
from typing import Any

from cloud.core.refusal import Refusal
from cloud.custody import commands as cmd, events as ev
from cloud.custody.state import SCALE_OF_CATEGORY, CustodyState, certificate_key
from cloud.kernel.domain import House
from cloud.ledger.accounts import custody, quantity, units_ledger, user_units
from cloud.ledger.answers import answer_once
from cloud.ledger.events import UserNotified
from cloud.ledger.postings import Postings
from cloud.ledger.rules import Outcome, registered
from cloud.ledger.state import LedgerState
from shared.backoffice import grade_complaint
from shared.codes import Code


def run(house: House, state: CustodyState, ledger: LedgerState, command: cmd.CustodyCommand, seq: int, ts: int) -> list[Any]:
    """A house desk command, answered once on the house's result topic."""
    def decide() -> Outcome:
        return _rule(command, house, state, Postings(ledger, ts), f"custody:{command.command_id}:0", seq, ts)
    return answer_once(state.answers, f"house/{command.command_id}", ev.CustodyAnswered, ev.CustodyAnsweredAgain,
                       command.command_id, None, seq, decide)


@singledispatch
def _rule(command: Any, house: House, state: CustodyState, plan: Postings, transfer_id: str, seq: int, ts: int) -> Outcome:
    raise TypeError(f"custody does not decide {type(command).__name__}")


@_rule.register
def _(c: cmd.AddCategory, house: House, state: CustodyState, plan: Postings, transfer_id: str, seq: int, ts: int) -> Outcome:
    if c.category in state.categories:
        raise Refusal(Code.CATEGORY_EXISTS, f"category {c.category} exists: {state.categories[c.category]}")
    return [ev.CategoryAdded(c.category, c.label)], f"category {c.category} added: {c.label}"


@_rule.register
def _(c: cmd.DefineKind, house: House, state: CustodyState, plan: Postings, transfer_id: str, seq: int, ts: int) -> Outcome:
    spec = c.spec
    if spec.kind in state.kinds:
        raise Refusal(Code.KIND_EXISTS, f"kind {spec.kind} exists ({state.kinds[spec.kind].name}): a kind is never redefined")
    if spec.category not in state.categories:
        raise Refusal(Code.UNKNOWN_CATEGORY, f"there is no category {spec.category} (known: {', '.join(state.categories)})")
    scale = SCALE_OF_CATEGORY.get(spec.category, spec.grade.scale)
    if spec.grade.scale != scale:
        raise Refusal(Code.BAD_GRADE, f"{state.categories[spec.category]} are graded on the {scale} scale, not {spec.grade.scale}")
    complaint = grade_complaint(spec.grade.scale, spec.grade.value)
    if complaint:
        raise Refusal(Code.BAD_GRADE, f"grade {spec.grade.value} {complaint}")
    return [ev.KindDefined(spec)], f"kind {spec.kind} defined: {spec.name}, {spec.grade.value}"


@_rule.register
def _(c: cmd.DepositItem, house: House, state: CustodyState, plan: Postings, transfer_id: str, seq: int, ts: int) -> Outcome:
    registered(house, c.account)
    spec = state.kinds.get(c.kind)
    if spec is None:
        raise Refusal(Code.UNKNOWN_KIND, f"there is no kind {c.kind} in the catalog: define it first")
    if c.item in state.items:
        raise Refusal(Code.ITEM_EXISTS, f"item {c.item} was deposited before: an item id is used once")
    if (c.grader is None) != (c.certificate is None):
        raise Refusal(Code.MISSING_FIELD, "a slabbed item needs both its grader and its certificate number")
    if c.grader and c.certificate:
        if c.quantity != 1:
            raise Refusal(Code.BAD_VALUE, "a slabbed item is one piece: its quantity is 1")
        held = state.certificates.get(certificate_key(c.grader, c.certificate))
        if held is not None:
            raise Refusal(Code.DUPLICATE_CERTIFICATE, f"{c.grader} certificate {c.certificate} is already in custody "
                                                      f"as item {held}: check the slab")
    plan.transfer(transfer_id, custody(c.kind), user_units(c.account, c.kind), c.quantity, f"item {c.item}")
    units = quantity(c.quantity, units_ledger(c.kind))
    text = f"{spec.name} ({spec.grade.value}), item {c.item}, is in the house's custody: {units} credited to your holdings."
    item = ev.Item(c.item, c.kind, c.quantity, c.account, ts, c.grader, c.certificate)
    return [ev.ItemDeposited(item), *plan.events(), UserNotified(c.account, "custody", text, seq)], \
        f"item {c.item} deposited: {units} credited to {c.account}"


@_rule.register
def _(c: cmd.WithdrawItem, house: House, state: CustodyState, plan: Postings, transfer_id: str, seq: int, ts: int) -> Outcome:
    registered(house, c.account)
    item = state.items.get(c.item)
    if item is None:
        raise Refusal(Code.UNKNOWN_ITEM, f"there is no item {c.item} in custody")
    if c.item in state.withdrawn:
        raise Refusal(Code.ITEM_WITHDRAWN, f"item {c.item} was shipped out ({state.withdrawn[c.item].shipping_reference})")
    plan.transfer(transfer_id, user_units(c.account, item.kind), custody(item.kind), item.quantity, c.shipping_reference)
    spec = state.kinds[item.kind]
    text = f"{spec.name} ({spec.grade.value}), item {c.item}, was shipped to you: shipping reference {c.shipping_reference}."
    return [ev.ItemWithdrawn(c.item, c.account, c.shipping_reference, ts), *plan.events(),
            UserNotified(c.account, "custody", text, seq)], f"item {c.item} shipped to {c.account} ({c.shipping_reference})"
