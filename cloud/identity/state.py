"""Identity's state, and `apply`: the only code that changes it."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import singledispatch
from typing import Any

from cloud.identity import events as ev


@dataclass
class Account:
    handle: str
    avatar: str | None = None
    pin_hash: str = ""
    status: str = "pending"       # pending | approved | declined
    limit: int | None = None
    failures: int = 0             # wrong PINs in a row
    locked_until: int | None = None
    unlocked: bool = False        # the trade PIN was given in this session


@dataclass
class IdentityState:
    accounts: dict[str, Account] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)
    answers: dict[str, ev.AccountAnswered] = field(default_factory=dict)

    def handle_taken(self, handle: str, by: str) -> bool:
        return any(a.handle.casefold() == handle.casefold() for name, a in self.accounts.items() if name != by)


@singledispatch
def apply(event: Any, state: IdentityState) -> None:
    raise TypeError(f"no rule applies {type(event).__name__}")


@apply.register
def _(e: ev.AccountRegistered, s: IdentityState) -> None:
    s.accounts[e.account] = Account(e.handle, e.avatar, e.pin_hash)


@apply.register
def _(e: ev.BidderEnrolled, s: IdentityState) -> None:
    s.accounts[e.account] = Account(e.handle, e.avatar, e.pin_hash, "approved", e.limit)


@apply.register
def _(e: ev.AccountApproved, s: IdentityState) -> None:
    account = s.accounts[e.account]
    account.status, account.limit = "approved", e.limit


@apply.register
def _(e: ev.AccountDeclined, s: IdentityState) -> None:
    account = s.accounts[e.account]
    account.status, account.unlocked = "declined", False


@apply.register
def _(e: ev.PinSet, s: IdentityState) -> None:
    account = s.accounts[e.account]
    account.pin_hash, account.unlocked, account.failures, account.locked_until = e.pin_hash, False, 0, None


@apply.register
def _(e: ev.PinAnswered, s: IdentityState) -> None:
    account = s.accounts.get(e.account)
    if account is not None:
        account.unlocked, account.failures, account.locked_until = e.unlocked, e.failures, e.locked_until


@apply.register
def _(e: ev.PresenceChanged, s: IdentityState) -> None:
    (s.present.add if e.online else s.present.discard)(e.account)
    if not e.online and e.account in s.accounts:
        s.accounts[e.account].unlocked = False       # the session ended: the next one gives the PIN again


@apply.register
def _(e: ev.AccountAnswered, s: IdentityState) -> None:
    s.answers[e.key] = e


@apply.register
def _(e: ev.AccountAnsweredAgain, s: IdentityState) -> None:
    """Nothing changes: the original answer is published again."""
