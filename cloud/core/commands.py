"""Commands into the arbiter (imperative names). The shell stamps `seq` and `ts` on the envelope."""
from __future__ import annotations

from dataclasses import dataclass

from cloud.core.catalog import SaleSpec
from shared import messages


@dataclass(frozen=True)
class StartSale:
    spec: SaleSpec


@dataclass(frozen=True)
class PlaceBid:
    bid: messages.Bid
    channel: str                  # hall | online
    source: str                   # the hall id or the online account, taken from the topic


@dataclass(frozen=True)
class SetMax:
    max_bid: messages.MaxBid
    account: str


@dataclass(frozen=True)
class RecordPress:
    press: messages.Press
    hall: str


@dataclass(frozen=True)
class RunCommand:
    command: messages.Command
    hall: str


@dataclass(frozen=True)
class SetPresence:
    account: str
    online: bool


@dataclass(frozen=True)
class CheckPin:
    """A trade PIN was checked by the shell against the stored hash: only the outcome enters the core."""
    account: str
    ok: bool


@dataclass(frozen=True)
class ManageAccount:
    command: messages.AccountCommand


@dataclass(frozen=True)
class SetHallLink:
    """The hall's link to the cloud went up or down (its Mosquitto bridge's notification)."""
    hall: str
    up: bool


@dataclass(frozen=True)
class Tick:
    """Time passing: lets a Dutch clock that reached its floor pass the lot."""


Command = StartSale | PlaceBid | SetMax | RecordPress | RunCommand | SetPresence | CheckPin | ManageAccount | SetHallLink | Tick


@dataclass(frozen=True)
class Stamped:
    seq: int                      # the arbiter's total order: the tie rule is "lower seq wins"
    ts: int                       # arbiter clock, ms since the epoch
    command: Command
