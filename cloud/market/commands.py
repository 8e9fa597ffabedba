"""Commands into the exchange (imperative names): core values, never wire messages (wire.py translates).
A user's command carries the account its topic names; the house desk's carry a command id."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlaceOrder:
    account: str
    order_id: str
    kind: str
    side: str                     # buy | sell
    quantity: int
    price: int                    # per unit, minor units of the house's currency
    currency: str
    tif: str = "gtc"              # gtc | ioc | fok | gtd
    until_ms: int | None = None   # gtd


@dataclass(frozen=True)
class CancelOrder:
    account: str
    order_id: str


@dataclass(frozen=True)
class AmendOrder:
    account: str
    amend_id: str
    order_id: str
    quantity: int                 # the open quantity from now on
    price: int | None = None


@dataclass(frozen=True)
class ListClock:
    account: str
    clock_id: str
    kind: str
    quantity: int
    minimum: int
    top: int
    floor: int
    currency: str
    starts_at: int
    ends_at: int
    schedule: str = "linear"
    step_ms: int = 60_000
    restart: str = "resume"


@dataclass(frozen=True)
class AcceptClock:
    account: str
    accept_id: str
    clock_id: str
    quantity: int
    price: int


@dataclass(frozen=True)
class ApplyForIssue:
    account: str
    application_id: str
    issue_id: str
    quantity: int


@dataclass(frozen=True)
class Subscribe:
    account: str
    subscription_id: str
    scope: str                    # category | kind | issuer
    value: str
    active: bool = True


@dataclass(frozen=True)
class SetFees:
    command_id: str
    scope: str                    # "kind:KIND" or "category:CATEGORY"
    maker_bps: int
    taker_bps: int


@dataclass(frozen=True)
class SetHours:
    command_id: str
    category: str
    opens_minute: int             # UTC minute of the day; closes before opens: open over midnight
    closes_minute: int


@dataclass(frozen=True)
class SetHalt:
    command_id: str
    scope: str                    # "all", "kind:KIND" or "category:CATEGORY"
    halted: bool


@dataclass(frozen=True)
class SetReference:
    """The house's reference price for a kind that has not traded (the valuation replaces it, issue 14)."""
    command_id: str
    kind: str
    price: int


@dataclass(frozen=True)
class NewIssue:
    issue_id: str
    kind: str
    issuer: str
    quantity: int
    price: int
    currency: str
    opens_at: int
    closes_at: int
    method: str = "pro_rata"      # pro_rata | lottery
    seed: str = ""


@dataclass(frozen=True)
class OpenIssue:
    command_id: str
    issue: NewIssue


UserCommand = PlaceOrder | CancelOrder | AmendOrder | ListClock | AcceptClock | ApplyForIssue | Subscribe
DeskCommand = SetFees | SetHours | SetHalt | SetReference | OpenIssue
