"""Events out of the arbiter (past tense). Applying them in journal order rebuilds the state."""
from __future__ import annotations

from dataclasses import dataclass

from cloud.core.catalog import SaleSpec


@dataclass(frozen=True)
class SaleStarted:
    spec: SaleSpec


@dataclass(frozen=True)
class LotOpened:
    lot: str
    ts: int


@dataclass(frozen=True)
class BidAccepted:
    lot: str
    bid_id: str
    key: str                      # idempotency key: source + bid_id
    bidder: str                   # "paddle:12" or "online:alice"
    channel: str                  # hall | online | floor
    amount: int
    asking_after: int | None
    seq: int
    ts: int
    source: str
    paddle: int | None = None


@dataclass(frozen=True)
class BidRejected:
    lot: str
    bid_id: str
    key: str
    code: str
    message: str
    amount: int
    asking: int | None
    seq: int
    source: str
    channel: str
    paddle: int | None = None


@dataclass(frozen=True)
class LateBidRecorded:
    lot: str
    bid_id: str
    key: str
    bidder: str
    channel: str
    amount: int
    ms_after_hammer: int
    message: str
    seq: int
    source: str
    paddle: int | None = None


@dataclass(frozen=True)
class BidAnsweredAgain:
    """The same bid delivered again: the original answer is sent again and nothing changes."""
    key: str


@dataclass(frozen=True)
class PressRecorded:
    key: str
    peak_grams: int
    duration_ms: int


@dataclass(frozen=True)
class MaxRegistered:
    lot: str
    bidder: str
    amount: int
    seq: int                      # earlier maxima win ties
    key: str = ""                 # idempotency key of the message that set it
    source: str = ""
    channel: str = "online"
    bid_id: str = ""


@dataclass(frozen=True)
class AskingSet:
    lot: str
    amount: int


@dataclass(frozen=True)
class IncrementSet:
    lot: str
    increment: int | None         # None: back to the ladder
    band: int                     # the ladder band it applies in; it ends when bidding leaves it


@dataclass(frozen=True)
class FairWarningGiven:
    lot: str


@dataclass(frozen=True)
class LotPaused:
    lot: str


@dataclass(frozen=True)
class LotResumed:
    lot: str


@dataclass(frozen=True)
class ReserveLifted:
    lot: str


@dataclass(frozen=True)
class BidRetracted:
    lot: str
    bid_id: str


@dataclass(frozen=True)
class Order:
    order_id: str
    lot: str
    title: str
    buyer: str
    buyer_label: str
    channel: str
    currency: str
    hammer: int
    premium: int
    discount: int
    discount_bp: int
    total: int
    status: str = "pending"       # pending | paid | cancelled
    press_grams: int | None = None
    press_ms: int | None = None
    account: str | None = None    # the buyer's account: the online account, or the paddle holder's


@dataclass(frozen=True)
class LotHammered:
    lot: str
    bidder: str
    amount: int
    ts: int


@dataclass(frozen=True)
class OrderCreated:
    order: Order


@dataclass(frozen=True)
class OrderPaid:
    order_id: str


@dataclass(frozen=True)
class OrderCancelled:
    order_id: str
    reason: str


@dataclass(frozen=True)
class LotPassed:
    lot: str
    reason: str


@dataclass(frozen=True)
class LotReopened:
    lot: str


@dataclass(frozen=True)
class PaddleRegistered:
    paddle: int
    name: str
    account: str | None = None


@dataclass(frozen=True)
class AccountRegistered:
    account: str
    handle: str
    avatar: str | None
    pin_hash: str                 # scrypt; the clear PIN is never journaled


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
    code: str
    message: str
    failures: int
    locked_until: int | None
    seq: int


@dataclass(frozen=True)
class PresenceChanged:
    account: str
    online: bool


@dataclass(frozen=True)
class HallLinkChanged:
    up: bool
    ts: int


@dataclass(frozen=True)
class MessageSent:
    text: str


@dataclass(frozen=True)
class CommandAnswered:
    key: str                      # hall + command_id: the idempotency key of auctioneer commands
    command_id: str
    hall: str
    ok: bool
    code: str
    message: str
    seq: int


Event = (SaleStarted | LotOpened | BidAccepted | BidRejected | LateBidRecorded | BidAnsweredAgain
         | PressRecorded | MaxRegistered | AskingSet | IncrementSet | FairWarningGiven | LotPaused | LotResumed
         | ReserveLifted | BidRetracted | LotHammered | OrderCreated | OrderPaid | OrderCancelled
         | LotPassed | LotReopened | PaddleRegistered | AccountRegistered | AccountApproved | AccountDeclined
         | PinSet | PinAnswered | PresenceChanged
         | HallLinkChanged | MessageSent | CommandAnswered)
