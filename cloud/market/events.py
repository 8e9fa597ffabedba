"""The exchange's events (past tense). Applying them in journal order rebuilds the market exactly."""
from __future__ import annotations

from dataclasses import dataclass

from cloud.market.commands import NewIssue
from shared.codes import Code


@dataclass(frozen=True)
class OrderAccepted:
    key: str                      # "{account}/{order_id}"
    account: str
    order_id: str
    kind: str
    side: str
    price: int
    quantity: int
    tif: str
    until_ms: int | None
    maker_bps: int                # the fees in force when it was placed: its hold covers them
    taker_bps: int
    hold: str                     # the pending transfer holding its money (buy) or units (sell)
    seq: int
    opens_at: int | None          # placed while its book was closed: waits, and is matched at this open


@dataclass(frozen=True)
class OrderWaits:
    """The house moved a category's hours while an order waited: it waits for the new open."""
    key: str
    opens_at: int


@dataclass(frozen=True)
class Traded:
    """One fill at the resting (maker) order's price; the new holds cover what each order has left."""
    kind: str
    aggressor: str                # the taker's side: buy | sell
    taker: str
    maker: str
    quantity: int
    price: int
    buyer_fee: int
    seller_fee: int
    taker_hold: str               # "" once the order is done
    maker_hold: str
    seq: int
    ts: int


@dataclass(frozen=True)
class OrderRested:
    key: str
    kind: str


@dataclass(frozen=True)
class OrderEnded:
    key: str
    kind: str
    reason: str                   # cancelled | expired | unfilled (ioc) | self-trade | amended


@dataclass(frozen=True)
class OrderReduced:
    """An amend lowered the open quantity at the same price: the order keeps its place."""
    key: str
    kind: str
    remaining: int
    hold: str


@dataclass(frozen=True)
class ClockListed:
    clock_id: str
    account: str
    kind: str
    currency: str
    quantity: int
    minimum: int
    top: int
    floor: int
    starts_at: int
    ends_at: int
    schedule: str
    step_ms: int
    restart: str
    hold: str


@dataclass(frozen=True)
class ClockStarted:
    clock_id: str


@dataclass(frozen=True)
class ClockBought:
    clock_id: str
    buyer: str
    quantity: int
    price: int
    buyer_fee: int
    seller_fee: int
    hold: str                     # the seller's units still held ("" when sold out)
    seq: int
    ts: int


@dataclass(frozen=True)
class ClockWithdrawn:
    clock_id: str


@dataclass(frozen=True)
class IssueOpened:
    issue: NewIssue


@dataclass(frozen=True)
class IssueApplied:
    issue_id: str
    key: str
    account: str
    quantity: int
    hold: str


@dataclass(frozen=True)
class IssueAllocated:
    issue_id: str
    allocations: tuple[int, ...]  # per application, in arrival order


@dataclass(frozen=True)
class Subscribed:
    account: str
    scope: str
    value: str
    active: bool


@dataclass(frozen=True)
class FeesSet:
    scope: str
    maker_bps: int
    taker_bps: int


@dataclass(frozen=True)
class HoursSet:
    category: str
    opens_minute: int
    closes_minute: int


@dataclass(frozen=True)
class HaltSet:
    scope: str
    halted: bool


@dataclass(frozen=True)
class ReferenceSet:
    kind: str
    price: int


@dataclass(frozen=True)
class MarketAnswered:
    """A command's outcome, kept under its key: the same command again gets it again, changing nothing."""
    key: str
    ref: str                      # the order, amend, clock, acceptance, application, subscription or desk command id
    account: str | None           # None: the house desk
    ok: bool
    code: Code
    message: str
    seq: int
    filled: int = 0
    remaining: int = 0
    cost: int = 0
    fees: int = 0


@dataclass(frozen=True)
class MarketAnsweredAgain:
    key: str
