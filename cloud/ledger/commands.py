"""Commands into the ledger (imperative names): core values, never wire messages (wire.py translates).
The kernel stamps seq and ts on the envelope."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordDeposit:
    """The house's bank shows money in for a user (the house records what its bank shows)."""
    command_id: str
    account: str
    amount: int
    currency: str
    reference: str                # the bank's reference: recorded once


@dataclass(frozen=True)
class RecordPayout:
    """The house paid a user out (a withdrawal it made, with its payout reference)."""
    command_id: str
    account: str
    amount: int
    currency: str
    reference: str


@dataclass(frozen=True)
class RequestPayout:
    """A user's own payout request (`bidder/{account}/payout`): it needs their trade PIN session."""
    account: str
    request_id: str
    amount: int
    currency: str


@dataclass(frozen=True)
class DecidePayout:
    """The house approves a user's payout request (paid, with its payout reference) or declines it."""
    command_id: str
    account: str
    request_id: str
    approve: bool
    reference: str                # approve: the payout reference; decline: the reason


@dataclass(frozen=True)
class ReverseTransfer:
    """A correction: a new transfer moving the original's amount back (entries are never edited)."""
    command_id: str
    transfer_id: str
    reason: str


HouseCommand = RecordDeposit | RecordPayout | DecidePayout | ReverseTransfer
