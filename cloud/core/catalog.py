"""What a sale is made of, as the house configured it: lots, registered paddles and online bidders.

These specs enter the core once, in the journaled StartSale command, so replay never depends on
a config file that may have changed since.
"""
from __future__ import annotations

from dataclasses import dataclass

from cloud.core.discounts import DiscountPolicy
from cloud.core.increments import Ladder
from shared.dutch import clock_price
from shared.money import basis_points


@dataclass(frozen=True)
class DutchSpec:
    top: int
    floor: int
    duration_ms: int
    schedule: str = "steps"       # steps | linear
    step_ms: int = 1_000

    def price_at(self, elapsed_ms: int) -> int:
        """The clock price `elapsed_ms` after the lot opened; never below the floor."""
        return clock_price(self.top, self.floor, self.duration_ms, self.schedule, self.step_ms, elapsed_ms)


@dataclass(frozen=True)
class LotSpec:
    lot: str
    title: str
    kind: str = "english"         # english | dutch
    opening: int = 0              # english: first asking price, minor units
    reserve: int = 0              # hidden; 0 = no reserve
    ladder: Ladder | None = None  # per-lot ladder; None = the sale's
    dutch: DutchSpec | None = None
    description: str = ""
    image: str | None = None
    estimate_low: int | None = None
    estimate_high: int | None = None
    item: str | None = None       # the catalog item it sells (custody): its depositor is the consignor


@dataclass(frozen=True)
class Rate:
    """Basis points of an amount, at least `minimum` minor units, never more than the amount itself."""
    bp: int
    minimum: int = 0

    def of(self, amount: int) -> int:
        return min(amount, max(basis_points(amount, self.bp), self.minimum))


@dataclass(frozen=True)
class SettlementTerms:
    """The sale's conditions after the hammer: what the consignor pays, when the buyer must pay, what a
    default costs, and when a paid lot is released to the buyer if the desk has not delivered it."""
    commission: Rate = Rate(1_000)
    pay_within_ms: int = 7 * 86_400_000
    default_fee: Rate = Rate(0)
    release_after_ms: int = 14 * 86_400_000


@dataclass(frozen=True)
class PaddleSpec:
    """A paddle registered for this sale; `account` links it to the holder's account (hall bidders
    are accounts too), whose spending limit then covers the room's bids and whose orders name it."""
    paddle: int
    name: str
    account: str | None = None


@dataclass(frozen=True)
class BidderSpec:
    """An account the house registered and approved before the sale."""
    account: str
    handle: str
    avatar: str | None = None
    pin_hash: str = ""             # scrypt (./hall account hash-pin); empty: cannot bid until set_pin
    limit: int | None = None       # spending limit, minor units


@dataclass(frozen=True)
class SaleSpec:
    sale: str
    hall: str
    currency: str
    ladder: Ladder
    lots: tuple[LotSpec, ...]
    paddles: tuple[PaddleSpec, ...] = ()
    bidders: tuple[BidderSpec, ...] = ()
    premium_bp: int = 2_500        # buyer's premium, basis points of the hammer price
    grace_ms: int = 2_000          # a bid this soon after the hammer is reported as late
    max_bid_multiple: int = 10     # a bid above asking x this is refused as a probable typo
    discount: DiscountPolicy = DiscountPolicy()
    pin_attempts: int = 5          # wrong trade PINs in a row before bidding locks
    pin_lockout_ms: int = 900_000
    terms: SettlementTerms = SettlementTerms()
