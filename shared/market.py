"""The exchange's wire schemas: users' orders, cancels, amends, clock listings and acceptances, new-issue
applications and news subscriptions; the house desk's market commands; and what the arbiter publishes
(answers, book depth, the trade tape, clock and issue states, a user's open orders).

Built on shared.messages' Message, check, encode and decode, under the same rules (strict fields,
integers only: prices in minor units, quantities in units). Importing this module registers its types.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from shared import messages
from shared.backoffice import _plain_id, _words
from shared.dutch import clock_price
from shared.messages import Message, _amount, _currency, _ident, _one_of, _range, _text, check

SIDES = ("buy", "sell")
TIME_IN_FORCE = ("gtc", "ioc", "fok", "gtd")       # good till cancelled, immediate or cancel, fill or kill, good till date
SCHEDULES = ("steps", "linear")                    # shared.dutch.clock_price
RESTART_RULES = ("resume", "top")                  # after a stop: fall on from the stop's price, or start again from the top
ALLOCATIONS = ("pro_rata", "lottery")
SCOPES = ("category", "kind", "issuer")
MARKET_ACTIONS = ("set_fees", "set_hours", "halt", "resume", "set_reference", "open_issue")
MAX_UNITS = 10**9
_QUANTITY = _range(1, MAX_UNITS)
_TIME = _range(0, 2**53)
_BPS = _range(0, 1_000)                            # at most 10 %


# ---- inbound: a user's trading ------------------------------------------------------------------

@dataclass(frozen=True)
class Order(Message):
    """A limit order on a kind's book. `order_id` is the idempotency key and names the order ever after."""
    TYPE: ClassVar[str] = "order"
    order_id: str = check(_plain_id)              # names its retained topic
    kind: str = check(_plain_id)
    side: str = check(_one_of(*SIDES))
    quantity: int = check(_QUANTITY)
    price: int = check(_amount)                    # per unit, minor units
    currency: str = check(_currency)
    tif: str = check(_one_of(*TIME_IN_FORCE), "gtc")
    until_ms: int | None = check(_TIME, None)      # gtd: expires at this time


@dataclass(frozen=True)
class CancelOrder(Message):
    TYPE: ClassVar[str] = "cancel_order"
    order_id: str = check(_plain_id)


@dataclass(frozen=True)
class AmendOrder(Message):
    """A new open quantity (and price): a quantity decrease at the same price keeps the order's place;
    anything else cancels it and places `amend_id` as a new order."""
    TYPE: ClassVar[str] = "amend_order"
    amend_id: str = check(_plain_id)              # the new order's id, if the amend replaces the order
    order_id: str = check(_plain_id)
    quantity: int = check(_QUANTITY)               # the open quantity wanted from now on
    price: int | None = check(_amount, None)


@dataclass(frozen=True)
class ClockListing(Message):
    """A holder sells `quantity` units on a descending-price clock (spec 001's 减价拍卖)."""
    TYPE: ClassVar[str] = "clock_listing"
    clock_id: str = check(_plain_id)              # names its public topic
    kind: str = check(_plain_id)
    quantity: int = check(_QUANTITY)
    minimum: int = check(_QUANTITY)                # per purchase
    top: int = check(_amount)
    floor: int = check(_amount)
    currency: str = check(_currency)
    starts_at_ms: int = check(_TIME)
    ends_at_ms: int = check(_TIME)
    schedule: str = check(_one_of(*SCHEDULES), "linear")
    step_ms: int = check(_range(100, 86_400_000), 60_000)
    restart: str = check(_one_of(*RESTART_RULES), "resume")


@dataclass(frozen=True)
class ClockAccept(Message):
    """A stop: the buyer takes `quantity` at `price`, the clock's price they saw (at least the clock's price now)."""
    TYPE: ClassVar[str] = "clock_accept"
    accept_id: str = check(_ident)
    clock_id: str = check(_plain_id)
    quantity: int = check(_QUANTITY)
    price: int = check(_amount)


@dataclass(frozen=True)
class IssueApplication(Message):
    TYPE: ClassVar[str] = "issue_application"
    application_id: str = check(_ident)
    issue_id: str = check(_plain_id)
    quantity: int = check(_QUANTITY)


@dataclass(frozen=True)
class Subscription(Message):
    """Tell me when something is listed in this category, of this kind or by this issuer (active=false: stop)."""
    TYPE: ClassVar[str] = "subscription"
    subscription_id: str = check(_ident)
    scope: str = check(_one_of(*SCOPES))
    value: str = check(_words(80))
    active: bool = True


# ---- inbound: the house desk --------------------------------------------------------------------

@dataclass(frozen=True)
class IssueTerms:
    """A new issue: `quantity` units of a kind sold at `price` to applicants in [opens, closes)."""
    issue_id: str = check(_plain_id)              # names its public topic
    kind: str = check(_plain_id)
    issuer: str = check(_plain_id)                 # the account paid for the units
    quantity: int = check(_QUANTITY)
    price: int = check(_amount)
    currency: str = check(_currency)
    opens_at_ms: int = check(_TIME)
    closes_at_ms: int = check(_TIME)
    method: str = check(_one_of(*ALLOCATIONS), "pro_rata")
    seed: str = check(_text(64), "")               # lottery: published with the terms, before the window opens


@dataclass(frozen=True)
class MarketCommand(Message):
    """The house desk: fees per kind or category, trading hours per category, halts, a kind's
    reference price, a new issue. Which fields are needed depends on `action`."""
    TYPE: ClassVar[str] = "market_command"
    command_id: str = check(_ident)
    action: str = check(_one_of(*MARKET_ACTIONS))
    kind: str | None = check(_plain_id, None)
    category: str | None = check(_plain_id, None)
    maker_bps: int | None = check(_BPS, None)
    taker_bps: int | None = check(_BPS, None)
    opens_minute: int | None = check(_range(0, 1439), None)       # UTC minute of the day
    closes_minute: int | None = check(_range(0, 1439), None)
    price: int | None = check(_amount, None)
    issue: IssueTerms | None = None


# ---- outbound -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class OrderResult(Message):
    """The answer to an order, cancel, amend, acceptance, application or subscription (`ref` names it).
    `cost` is the all-in money moved so far (price × quantity ± fees), `fees` the fees in it."""
    TYPE: ClassVar[str] = "order_result"
    ref: str
    status: str                   # ok | rejected
    code: str
    message: str
    seq: int
    filled: int = 0
    remaining: int = 0            # resting (or waiting for the open) after this command
    cost: int = 0
    fees: int = 0
    currency: str | None = None


@dataclass(frozen=True)
class Level:
    price: int
    quantity: int
    orders: int


@dataclass(frozen=True)
class Depth(Message):
    """A book's best levels (retained, published when they change). `status` is as of `seq`: with trading
    hours, a reader tells open from closed by the hours themselves (UTC minutes of the day)."""
    TYPE: ClassVar[str] = "depth"
    kind: str
    currency: str
    status: str                   # open | halted | closed
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    last_price: int | None
    reference: int | None
    seq: int
    opens_minute: int | None = None
    closes_minute: int | None = None


@dataclass(frozen=True)
class Trade(Message):
    """One fill on the tape (the parties are not named)."""
    TYPE: ClassVar[str] = "trade"
    kind: str
    quantity: int
    price: int
    currency: str
    aggressor: str                # buy | sell | clock
    seq: int
    at_ms: int


@dataclass(frozen=True)
class ClockStop:
    quantity: int
    price: int
    at_ms: int


@dataclass(frozen=True)
class ClockState(Message):
    """A quantity clock (retained). The price now, while running: `clock_price_now`."""
    TYPE: ClassVar[str] = "clock_state"
    clock_id: str
    kind: str
    status: str                   # scheduled | running | sold | withdrawn
    currency: str
    top: int
    floor: int
    segment_top: int
    segment_start_ms: int
    ends_at_ms: int
    withdraws_at_ms: int          # when the price reaches the floor (or the end): the rest is withdrawn
    schedule: str
    step_ms: int
    restart: str
    total: int
    remaining: int
    minimum: int
    stops: tuple[ClockStop, ...]
    seq: int


def clock_price_now(state: Mapping[str, Any], now_ms: int) -> int:
    """A running quantity clock's price at `now_ms` from its published state (a `clock_state` body), by
    the formula the arbiter decides with (cloud/market/clocks.py): what every client shows and accepts."""
    start = state["segment_start_ms"]
    return clock_price(state["segment_top"], state["floor"], max(1, state["ends_at_ms"] - start), state["schedule"], state["step_ms"],
                       now_ms - start)


@dataclass(frozen=True)
class Allocation:
    number: int                   # the application's place in arrival order (1, 2, ...): names no account
    applied: int
    allocated: int


@dataclass(frozen=True)
class IssueState(Message):
    """A new issue's terms (the lottery's seed among them, before the window opens) and, once closed, its allocation."""
    TYPE: ClassVar[str] = "issue_state"
    terms: IssueTerms
    status: str                   # announced | allocated
    applied: int
    allocations: tuple[Allocation, ...]
    seq: int


@dataclass(frozen=True)
class OpenOrder(Message):
    """One of a user's open orders, retained on its own topic while it is open (cleared when it closes)."""
    TYPE: ClassVar[str] = "open_order"
    order_id: str
    kind: str
    side: str
    price: int
    quantity: int
    remaining: int
    tif: str
    status: str                   # resting | waiting (for its book's open)
    seq: int                      # when it was placed: the house's order of everything
    until_ms: int | None = None


messages.TYPES.update({cls.TYPE: cls for cls in (Order, CancelOrder, AmendOrder, ClockListing, ClockAccept, IssueApplication,
                                                 Subscription, MarketCommand, OrderResult, Depth, Trade, ClockState,
                                                 IssueState, OpenOrder)})
