"""Commands into the auction (imperative names): core values, never wire messages, so the journal
outlives protocol versions. The transport translates wire messages; the kernel stamps seq and ts."""
from __future__ import annotations

from dataclasses import dataclass

from cloud.core.catalog import SaleSpec


@dataclass(frozen=True)
class BidOrder:
    bid_id: str
    lot: str
    amount: int
    currency: str
    paddle: int | None = None     # hall and floor bids


@dataclass(frozen=True)
class MaxOrder:
    bid_id: str
    lot: str
    amount: int
    currency: str


@dataclass(frozen=True)
class PressReading:
    bid_id: str
    paddle: int
    peak_grams: int
    duration_ms: int


@dataclass(frozen=True)
class Instruction:
    """An auctioneer's (or the house desk's) instruction for a sale: see ACTIONS in arbiter.py."""
    command_id: str
    action: str
    lot: str | None = None
    amount: int | None = None
    factor: str | None = None
    paddle: int | None = None
    name: str | None = None
    account: str | None = None
    order_id: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class LoadSale:
    """A sale definition enters the house: its hall runs it until it is closed."""
    spec: SaleSpec
    command_id: str = ""


@dataclass(frozen=True)
class CloseSale:
    sale: str
    command_id: str = ""


@dataclass(frozen=True)
class PlaceBid:
    bid: BidOrder
    channel: str                  # hall | online | floor
    source: str                   # the hall id or the online account, taken from the topic


@dataclass(frozen=True)
class SetMax:
    max_bid: MaxOrder
    account: str


@dataclass(frozen=True)
class RecordPress:
    press: PressReading
    hall: str


@dataclass(frozen=True)
class RunCommand:
    command: Instruction
    hall: str


@dataclass(frozen=True)
class SetHallLink:
    """The hall's link to the cloud went up or down (its Mosquitto bridge's notification)."""
    hall: str
    up: bool


Command = LoadSale | CloseSale | PlaceBid | SetMax | RecordPress | RunCommand | SetHallLink


@dataclass(frozen=True)
class SettleOrder:
    """The house desk's step for an order after the hammer (`./hall orders pay|release|cancel`)."""
    command_id: str
    action: str                   # pay | release | cancel
    order_id: str
    reference: str | None = None  # pay: the buyer's bank payment (without: from the buyer's funds)
    reason: str | None = None     # cancel: recorded and told to the buyer; release: how it was delivered
