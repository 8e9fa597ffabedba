"""New issues (申报买入): the house lists a kind's new units at an issue price for a window; users apply,
their cost held; at the close the units are allocated, paid for and credited in one batch, and every
unallocated amount is released at once.

Allocation when oversubscribed (applied > offered):
- pro_rata: each application gets floor(applied × offered / total applied); the units left over go one
  each to the applications with the largest remainders, ties to the earlier application.
- lottery: each application n (1, 2, ... in arrival order) draws SHA-256("{issue_id}:{seed}:{n}") as a
  hexadecimal number, with the seed published with the terms before the window opens; applications are
  filled whole from the lowest draw up until the units run out (the last one in part). Anyone can
  recompute the order with any SHA-256 tool.
Undersubscribed, every application gets what it applied for; units nobody applied for are never issued.
"""
from __future__ import annotations

import hashlib
from typing import Any

from cloud.core.refusal import Refusal
from cloud.identity.domain import identity
from cloud.kernel.domain import House
from cloud.ledger.accounts import custody, house_cash, quantity as amount_of, user_cash, user_units
from cloud.ledger.events import UserNotified
from cloud.ledger.postings import Postings
from cloud.market import commands as cmd, events as ev
from cloud.market.answers import Outcome, answered_once
from cloud.market.guards import TransferIds, kind_spec, trader
from cloud.market.news import announce
from cloud.market.policy import MarketPolicy
from cloud.market.state import Issue, MarketState
from shared.codes import Code
from shared.times import utc_text


def allocate(method: str, seed: str, issue_id: str, offered: int, applied: list[int]) -> list[int]:
    """Units per application (in arrival order); pure, so anyone can recompute it from the published figures."""
    total = sum(applied)
    if total <= offered:
        return list(applied)
    if method == "lottery":
        order = sorted(range(len(applied)), key=lambda i: hashlib.sha256(f"{issue_id}:{seed}:{i + 1}".encode()).hexdigest())
        out, left = [0] * len(applied), offered
        for index in order:
            out[index] = min(applied[index], left)
            left -= out[index]
        return out
    out = [q * offered // total for q in applied]
    leftover = offered - sum(out)
    by_remainder = sorted(range(len(applied)), key=lambda i: (-(applied[i] * offered % total), i))
    for index in by_remainder[:leftover]:
        out[index] += 1
    return out


def open_issue(house: House, state: MarketState, policy: MarketPolicy, c: cmd.OpenIssue, seq: int, ts: int) -> list[Any]:
    def decide() -> Outcome:
        terms = c.issue
        kind_spec(house, terms.kind)
        if terms.issue_id in state.issues:
            raise Refusal(Code.ISSUE_EXISTS, f"there is already an issue {terms.issue_id}")
        issuer = identity(house).accounts.get(terms.issuer)
        if issuer is None or issuer.status != "approved":
            raise Refusal(Code.NOT_APPROVED, f"the issuer '{terms.issuer}' is not an account the house approved")
        if terms.currency != policy.currency:
            raise Refusal(Code.CURRENCY_MISMATCH, f"the house's books trade in {policy.currency}, not {terms.currency}")
        if not ts <= terms.opens_at < terms.closes_at:
            raise Refusal(Code.BAD_TERMS, "the window must open now or later, and close after it opens "
                                          "(the lottery's seed is published before it opens)")
        if terms.method == "lottery" and not terms.seed:
            raise Refusal(Code.BAD_TERMS, "a lottery needs its seed, published with the terms")
        text = (f"new issue {terms.issue_id}: {terms.quantity} {terms.kind} at {amount_of(terms.price, terms.currency)}, "
                f"applications from {utc_text(terms.opens_at, True)} to {utc_text(terms.closes_at, True)} UTC, allocated {terms.method.replace('_', ' ')}")
        return Outcome([ev.IssueOpened(terms), *announce(house, state, terms.issuer, terms.kind, text, seq)], text)
    return answered_once(state, f"house/{c.command_id}", c.command_id, None, seq, decide)


def apply_for(house: House, state: MarketState, c: cmd.ApplyForIssue, seq: int, ts: int) -> list[Any]:
    def decide() -> Outcome:
        trader(house, c.account, "an application")
        issue = state.issues.get(c.issue_id)
        if issue is None:
            raise Refusal(Code.UNKNOWN_ISSUE, f"there is no new issue {c.issue_id}")
        terms = issue.terms
        if issue.status != "announced" or not terms.opens_at <= ts < terms.closes_at:
            raise Refusal(Code.ISSUE_NOT_OPEN, f"issue {c.issue_id} takes applications from {utc_text(terms.opens_at, True)} "
                                               f"to {utc_text(terms.closes_at, True)} UTC; the house's clock reads {utc_text(ts, True)}")
        plan = Postings(house["ledger"], ts)
        cost = terms.price * c.quantity
        hold = plan.pending(TransferIds(seq)(), user_cash(c.account, terms.currency), house_cash("escrow", terms.currency),
                            cost, f"issue {c.issue_id}")
        key = f"{c.account}/{c.application_id}"
        return Outcome([*plan.events(), ev.IssueApplied(c.issue_id, key, c.account, c.quantity, hold.id)],
                       f"applied for {c.quantity} {terms.kind} in issue {c.issue_id}: {amount_of(cost, terms.currency)} held "
                       "until the allocation", remaining=c.quantity, cost=cost)
    return answered_once(state, f"apply:{c.account}/{c.application_id}", c.application_id, c.account, seq, decide)


def close_due(state: MarketState, plan: Postings, ids: TransferIds, seq: int, ts: int) -> list[Any]:
    """Issues whose window closed: allocated, paid for, credited, the rest released, each applicant told."""
    return [e for issue in (state.issues[i] for i in state.open_issues) if issue.terms.closes_at <= ts
            for e in _allocated(issue, plan, ids, seq)]


def _allocated(issue: Issue, plan: Postings, ids: TransferIds, seq: int) -> list[Any]:
    terms = issue.terms
    allocations = allocate(terms.method, terms.seed, terms.issue_id, terms.quantity, [a.quantity for a in issue.applications])
    reference, notices = f"issue {terms.issue_id}", []
    for application, units in zip(issue.applications, allocations):
        if units:
            plan.post(ids(), application.hold, units * terms.price, reference)
            plan.transfer(ids(), custody(terms.kind), user_units(application.account, terms.kind), units, reference)
        else:
            plan.void(ids(), application.hold, reference)
        refund = (application.quantity - units) * terms.price
        notices.append(UserNotified(application.account, "market", f"Issue {terms.issue_id}: you were allocated {units} of "
                                    f"{application.quantity} {terms.kind}" + (f"; {amount_of(refund, terms.currency)} released"
                                                                             if refund else "") + ".", seq))
    paid = sum(allocations) * terms.price
    if paid:
        plan.transfer(ids(), house_cash("escrow", terms.currency), user_cash(terms.issuer, terms.currency), paid, reference)
    return [ev.IssueAllocated(terms.issue_id, tuple(allocations)), *notices]


def deadline(state: MarketState) -> int | None:
    return min((state.issues[i].terms.closes_at for i in state.open_issues), default=None)
