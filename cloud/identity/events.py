"""Identity's events (past tense): applying them in journal order rebuilds every account."""
from __future__ import annotations

from dataclasses import dataclass

from shared.codes import Code


@dataclass(frozen=True)
class AccountRegistered:
    account: str
    handle: str
    avatar: str | None
    pin_hash: str                 # scrypt; the clear PIN is never journaled


@dataclass(frozen=True)
class BidderEnrolled:
    """An account a sale's definition brings, registered and approved by the house beforehand."""
    account: str
    handle: str
    avatar: str | None
    pin_hash: str
    limit: int | None


@dataclass(frozen=True)
class AccountApproved:
    account: str
    limit: int | None             # spending limit on hammer prices, minor units; None = none


@dataclass(frozen=True)
class AccountDeclined:
    account: str


@dataclass(frozen=True)
class PinSet:
    account: str
    pin_hash: str


@dataclass(frozen=True)
class PinAnswered:
    """The outcome of one PIN check, for the account's state and for the bidder."""
    account: str
    unlocked: bool
    code: Code
    message: str
    failures: int
    locked_until: int | None
    seq: int


@dataclass(frozen=True)
class PresenceChanged:
    account: str
    online: bool


@dataclass(frozen=True)
class AccountAnswered:
    """The answer to a house desk's account command, kept so a repeated command gets it again."""
    key: str
    command_id: str
    ok: bool
    code: Code
    message: str
    seq: int


@dataclass(frozen=True)
class AccountAnsweredAgain:
    key: str
