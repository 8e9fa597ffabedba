"""The ledger's events (past tense). Applying them in journal order rebuilds the ledger exactly."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from cloud.ledger.answers import Answer


class Phase(enum.Enum):
    POSTED = "posted"             # moved at once
    PENDING = "pending"           # held: reserved, not moved
    POST = "post"                 # a pending transfer posted (all or part; the rest released)
    VOID = "void"                 # a pending transfer released


@dataclass(frozen=True)
class Transfer:
    """One immutable entry: `amount` from `debit` to `credit`, both on `ledger`."""
    id: str
    debit: str
    credit: str
    amount: int                   # for POST the amount moved, for VOID the amount released
    ledger: str
    phase: Phase
    ts: int
    pending_id: str | None = None     # POST and VOID: the pending transfer they close
    reference: str = ""
    timeout_at: int | None = None     # PENDING: voided by the house's clock at this time
    reverses: str | None = None       # a correction: the transfer it reverses


@dataclass(frozen=True)
class TransferRecorded:
    transfer: Transfer


@dataclass(frozen=True)
class ReferenceRecorded:
    """A bank or payout reference is used once: the same wire recorded twice is refused."""
    reference: str
    transfer_id: str


@dataclass(frozen=True)
class PayoutRequested:
    key: str
    account: str
    request_id: str
    transfer_id: str              # the pending transfer that holds the amount


@dataclass(frozen=True)
class PayoutDecided:
    key: str
    approved: bool


@dataclass(frozen=True)
class UserNotified:
    """A notice kept for the user (the page and the CLI list them) and sent on their notice topic."""
    account: str
    kind: str                     # funds | custody | order
    text: str
    seq: int


@dataclass(frozen=True)
class LedgerAnswered(Answer):
    pass


@dataclass(frozen=True)
class LedgerAnsweredAgain:
    key: str
