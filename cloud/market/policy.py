"""The house's market settings and the questions every rule asks of them: a kind's fees, its reference
price and band, whether its book is open. Pure: time comes in as `ts`."""
from __future__ import annotations

from dataclasses import dataclass

from cloud.core.refusal import Refusal
from cloud.kernel.domain import House
from cloud.market.state import MarketState
from cloud.marketdata.state import valuation
from shared.codes import Code
from shared.money import basis_points, format_amount

DAY_MS = 86_400_000
MINUTE_MS = 60_000


@dataclass(frozen=True)
class MarketPolicy:
    currency: str = "HKD"         # every book trades in the house's currency
    maker_bps: int = 10           # the default fees (the house sets them per kind or category)
    taker_bps: int = 20
    band_percent: int = 10        # an order this far from the reference price is refused as a probable typo
    show_counterparty: bool = False   # fill notices name the other party's handle only if True
    depth_levels: int = 10


def fees_for(state: MarketState, policy: MarketPolicy, kind: str, category: str) -> tuple[int, int]:
    """Maker and taker fees in basis points: the kind's own, else its category's, else the house's default."""
    return state.fees.get(f"kind:{kind}") or state.fees.get(f"category:{category}") or (policy.maker_bps, policy.taker_bps)


def fee(notional: int, bps: int) -> int:
    return basis_points(notional, bps)


def hold_needed(price: int, quantity: int, fee_bps: int) -> int:
    """What a buy order holds: price × quantity plus the most it can pay in fees (a fill never costs more)."""
    notional = price * quantity
    return notional + fee(notional, fee_bps)


def reference_price(house: House, kind: str) -> int | None:
    """The price a new order's band is measured from: the last trade, else the kind's valuation (its trades in
    every channel, its neighbouring grades' line, or the house's estimate: docs/valuation.md), else the
    house's reference (a house without the market data), else none."""
    state: MarketState = house["market"]
    last = state.last_price.get(kind)
    if last is not None:
        return last
    value = valuation(house, kind)
    return value if value is not None else state.references.get(kind)


def check_band(house: House, policy: MarketPolicy, kind: str, price: int) -> None:
    reference = reference_price(house, kind)
    if reference is None:
        return
    low, high = reference - reference * policy.band_percent // 100, reference + reference * policy.band_percent // 100
    if not low <= price <= high:
        show = lambda amount: format_amount(amount, policy.currency)  # noqa: E731
        raise Refusal(Code.OUTSIDE_BAND, f"{show(price)} is more than {policy.band_percent} % from {kind}'s reference price "
                                         f"{show(reference)}: orders are taken from {show(low)} to {show(high)} (a typo?)")


def book_status(state: MarketState, kind: str, category: str, ts: int) -> str:
    """open, halted (by the house) or closed (outside its category's trading hours)."""
    if state.halted & {"all", f"kind:{kind}", f"category:{category}"}:
        return "halted"
    hours = state.hours.get(category)
    if hours is None:
        return "open"
    opens, closes = hours
    minute = ts % DAY_MS // MINUTE_MS
    inside = opens <= minute < closes if opens < closes else minute >= opens or minute < closes
    return "open" if inside else "closed"


def next_open(state: MarketState, category: str, ts: int) -> int:
    """When a closed category's book opens next (ts itself if it has no hours)."""
    hours = state.hours.get(category)
    if hours is None:
        return ts
    at = ts - ts % DAY_MS + hours[0] * MINUTE_MS
    return at if at > ts else at + DAY_MS
