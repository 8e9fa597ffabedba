"""Events out of the arbiter (past tense). Applying them in journal order rebuilds the state."""
from __future__ import annotations

from dataclasses import dataclass

from typing import Any

from cloud.core.catalog import SaleSpec
from shared.codes import Code


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
    code: Code
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
    status: str = "pending"       # pending | paid | released | cancelled
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
    fee: int = 0                  # the default fee charged to the buyer


@dataclass(frozen=True)
class OrderReleased:
    """Delivered or collected (or the release period ran out): the consignor is paid, the buyer has the lot."""
    order_id: str
    how: str


@dataclass(frozen=True)
class LotReoffered:
    """The lot's order was cancelled: it can be offered again (after the rest of the run list)."""
    lot: str


@dataclass(frozen=True)
class Settlement:
    """The ledger's side of one order, from the hammer until it is released or cancelled."""
    order_id: str
    sale: str
    buyer: str | None             # the buyer's account, if any
    consignor: str | None         # the depositor of the lot's item; None: the house's own lot
    item: str | None
    kind: str | None
    units: int
    due_at: int                   # unpaid after this: in default
    funds_hold: str | None = None     # pending transfer: buyer's cash -> escrow
    units_hold: str | None = None     # pending transfer: consignor's units -> the buyer (or out of custody)
    release_at: int | None = None     # paid: released by the house's clock at this time


@dataclass(frozen=True)
class SettlementRecorded:
    """An order's settlement as it now stands (opened at the hammer, changed when paid)."""
    settlement: Settlement


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
    code: Code
    message: str
    seq: int



@dataclass(frozen=True)
class CommandAnsweredAgain:
    """The same auctioneer command delivered again: the original answer is sent again, nothing changes."""
    key: str


@dataclass(frozen=True)
class InSale:
    """An event of one sale: the house holds several sales, each with its own lots and answers."""
    sale: str
    event: Any


@dataclass(frozen=True)
class SaleClosed:
    sale: str


@dataclass(frozen=True)
class SalesAnswered:
    """The answer to the house desk's LoadSale or CloseSale."""
    key: str
    command_id: str
    ok: bool
    code: Code
    message: str
    seq: int


@dataclass(frozen=True)
class Unrouted:
    """A bid or command that names no sale this house runs: answered, and changes nothing."""
    answer: Any                   # a BidRejected or a CommandAnswered
