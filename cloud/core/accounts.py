"""What a sale asks of an account before taking its bid: approved, not locked, its trade PIN given,
and within its spending limit. Pure. The accounts themselves live in the identity domain.
"""
from __future__ import annotations

from cloud.core.refusal import Refusal
from cloud.core.state import AuctionState
from cloud.identity.rules import trade_refusal
from shared.codes import Code


def may_bid(state: AuctionState, account_id: str, amount: int, ts: int) -> None:
    """Raise the Refusal that stops this account bidding `amount` now, if any."""
    refusal = trade_refusal(state.accounts.get(account_id), account_id, ts)
    if refusal is not None:
        raise refusal
    within_limit(state, account_id, amount)


def within_limit(state: AuctionState, account_id: str | None, amount: int) -> None:
    """Raise OVER_LIMIT if `amount` on top of what the account has won passes its spending limit.
    The room's paddles linked to an account are held to it too (no PIN there: the holder is in the room)."""
    account = state.accounts.get(account_id) if account_id else None
    if account is None or account.limit is None:
        return
    spent = committed(state, account_id)  # type: ignore[arg-type]
    if spent + amount > account.limit:
        raise Refusal(Code.OVER_LIMIT, f"{state.money(amount)} would take your purchases to {state.money(spent + amount)}, "
                                       f"above your spending limit of {state.money(account.limit)}")


def committed(state: AuctionState, account_id: str) -> int:
    """Hammer prices of lots this account has won (online or by its paddle), orders not cancelled."""
    return sum(o.hammer for o in state.orders.values() if o.account == account_id and o.status != "cancelled")
