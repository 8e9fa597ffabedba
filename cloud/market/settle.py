"""A fill's money and units, planned on the ledger with the fill (TigerBeetle's linked transfers):

    buyer's hold  --post price × quantity + buyer's fee-->  house escrow  --> seller (less the seller's fee), house fees
    seller's hold --post quantity-->  house custody  --> buyer's units

Posting part of a hold releases the rest, so an order with units left gets a new hold for exactly
what its rest can cost (price × rest + its highest fee): never more than was released.
"""
from __future__ import annotations

from dataclasses import dataclass

from cloud.ledger.accounts import custody, house_cash, user_cash, user_units
from cloud.ledger.postings import Postings
from cloud.market.guards import TransferIds
from cloud.market.policy import fee, hold_needed


@dataclass(frozen=True)
class Side:
    """One party to a fill: its hold, its limit, what it has left after the fill, its fee rates."""
    account: str
    hold: str
    limit: int                    # the most (buyer) or least (seller) per unit its order takes
    left: int                     # units its order still has open after this fill
    fee_bps: int                  # what this fill charges it
    hold_bps: int                 # the highest rate its hold covers


def hold_for(plan: Postings, ids: TransferIds, side: str, account: str, kind: str, currency: str, price: int,
             quantity: int, hold_bps: int, reference: str) -> str:
    """Hold what an order or purchase could cost: a buyer's money (price × quantity + the most fee), a seller's units."""
    if side == "buy":
        return plan.pending(ids(), user_cash(account, currency), house_cash("escrow", currency),
                            hold_needed(price, quantity, hold_bps), reference).id
    return plan.pending(ids(), user_units(account, kind), custody(kind), quantity, reference).id


def rehold(plan: Postings, ids: TransferIds, side: str, who: Side, kind: str, currency: str, reference: str) -> str:
    """The hold for an order's rest ("" when nothing is left)."""
    if who.left == 0:
        return ""
    return hold_for(plan, ids, side, who.account, kind, currency, who.limit, who.left, who.hold_bps, reference)


def settle(plan: Postings, ids: TransferIds, kind: str, currency: str, buyer: Side, seller: Side, quantity: int,
           price: int, reference: str) -> tuple[int, int, str, str]:
    """Plan one fill; returns the buyer's fee, the seller's fee and both new holds."""
    notional = price * quantity
    buyer_fee, seller_fee = fee(notional, buyer.fee_bps), fee(notional, seller.fee_bps)
    escrow = house_cash("escrow", currency)
    plan.post(ids(), buyer.hold, notional + buyer_fee, reference)
    plan.post(ids(), seller.hold, quantity, reference)
    plan.transfer(ids(), custody(kind), user_units(buyer.account, kind), quantity, reference)
    plan.transfer(ids(), escrow, user_cash(seller.account, currency), notional - seller_fee, reference)
    if buyer_fee + seller_fee:
        plan.transfer(ids(), escrow, house_cash("fees", currency), buyer_fee + seller_fee, reference)
    return (buyer_fee, seller_fee, rehold(plan, ids, "buy", buyer, kind, currency, reference),
            rehold(plan, ids, "sell", seller, kind, currency, reference))
