"""Online accounts: registration, the house's approval and spending limit, and the trade PIN. Pure.

Lifecycle: registered (pending) -> approved (optionally with a spending limit) or declined. An
approved account bids only in a session unlocked by its trade PIN: the shell checks the PIN
against the stored scrypt hash and sends CheckPin(ok); the rules here decide what that means.
`pin_attempts` wrong PINs in a row lock bidding for `pin_lockout_ms`; while locked even the right
PIN is refused, so guessing gains nothing. A session ends when the bidder's presence goes offline
(its MQTT will), so a new connection must give the PIN again.
"""
from __future__ import annotations

from typing import Any

from cloud.core import events as ev
from cloud.core.commands import CheckPin, ManageAccount
from cloud.core.refusal import Refusal
from cloud.core.state import Account, AuctionState
from shared.codes import Code
from shared.topics import is_bidder_login

HOUSE = "house"      # the CommandAnswered.hall of house commands: answered on arbiter/house/result


def check_pin(state: AuctionState, cmd: CheckPin, seq: int, ts: int) -> list[Any]:
    account = state.accounts.get(cmd.account)
    sale = state.sale
    if account is None or sale is None:
        return [ev.PinAnswered(cmd.account, False, Code.UNKNOWN_BIDDER.name, f"account '{cmd.account}' is not registered", 0, None, seq)]
    if account.status != "approved":
        return [ev.PinAnswered(cmd.account, False, Code.NOT_APPROVED.name, _not_approved(account), account.failures, account.locked_until, seq)]
    if account.locked_until is not None and ts < account.locked_until:
        return [ev.PinAnswered(cmd.account, False, Code.PIN_LOCKED.name, _locked(account.locked_until, ts), 0, account.locked_until, seq)]
    if cmd.ok:
        return [ev.PinAnswered(cmd.account, True, Code.OK.name, "PIN accepted: you may bid", 0, None, seq)]
    failures = account.failures + 1
    if failures >= sale.pin_attempts:
        until = ts + sale.pin_lockout_ms
        return [ev.PinAnswered(cmd.account, False, Code.PIN_LOCKED.name, f"wrong PIN {failures} times: {_locked(until, ts)}", 0, until, seq)]
    left = sale.pin_attempts - failures
    return [ev.PinAnswered(cmd.account, False, Code.PIN_WRONG.name, f"wrong PIN: {left} attempt{'s' if left > 1 else ''} left before bidding locks",
                           failures, None, seq)]


def may_bid(state: AuctionState, account_id: str, amount: int, ts: int) -> None:
    """Raise the Refusal that stops this account bidding `amount` now, if any."""
    account = state.accounts.get(account_id)
    if account is None:
        raise Refusal(Code.UNKNOWN_BIDDER, f"account '{account_id}' is not registered for this sale")
    if account.status != "approved":
        raise Refusal(Code.NOT_APPROVED, _not_approved(account))
    if account.locked_until is not None and ts < account.locked_until:
        raise Refusal(Code.PIN_LOCKED, _locked(account.locked_until, ts))
    if not account.unlocked:
        raise Refusal(Code.PIN_REQUIRED, "enter your trade PIN before bidding")
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


def manage(state: AuctionState, cmd: ManageAccount, seq: int, ts: int) -> list[Any]:
    c = cmd.command
    key = f"{HOUSE}/{c.command_id}"
    if key in state.command_answers:
        return []
    try:
        events, message = _ACTIONS[c.action](state, c)
        answer = ev.CommandAnswered(key, c.command_id, HOUSE, True, Code.OK.name, message, seq)
    except Refusal as refusal:
        events, answer = [], ev.CommandAnswered(key, c.command_id, HOUSE, False, refusal.code.name, refusal.message, seq)
    return [*events, answer]


def _register(state: AuctionState, c: Any) -> tuple[list[Any], str]:
    if not is_bidder_login(c.account):
        raise Refusal(Code.BAD_COMMAND, f"'{c.account}' is the login of a role (arbiter, house, halls), not a bidder's")
    if c.account in state.accounts:
        raise Refusal(Code.DUPLICATE_REGISTRATION, f"account {c.account} is already registered")
    if not c.handle or not c.pin_hash:
        raise Refusal(Code.BAD_COMMAND, "register needs handle (shown to the room) and pin_hash")
    return [ev.AccountRegistered(c.account, c.handle, c.avatar, c.pin_hash)], f"account {c.account} registered: awaiting approval"


def _existing(state: AuctionState, account_id: str) -> Account:
    account = state.accounts.get(account_id)
    if account is None:
        raise Refusal(Code.UNKNOWN_BIDDER, f"account '{account_id}' is not registered")
    return account


def _approve(state: AuctionState, c: Any) -> tuple[list[Any], str]:
    _existing(state, c.account)
    limit = f" with a spending limit of {state.money(c.limit)}" if c.limit else " with no spending limit"
    return [ev.AccountApproved(c.account, c.limit)], f"account {c.account} approved{limit}"


def _decline(state: AuctionState, c: Any) -> tuple[list[Any], str]:
    _existing(state, c.account)
    return [ev.AccountDeclined(c.account)], f"account {c.account} declined"


def _set_limit(state: AuctionState, c: Any) -> tuple[list[Any], str]:
    account = _existing(state, c.account)
    if account.status != "approved":
        raise Refusal(Code.NOT_APPROVED, _not_approved(account))
    return [ev.AccountApproved(c.account, c.limit)], f"spending limit of {c.account}: {state.money(c.limit) if c.limit else 'none'}"


def _set_pin(state: AuctionState, c: Any) -> tuple[list[Any], str]:
    _existing(state, c.account)
    if not c.pin_hash:
        raise Refusal(Code.BAD_COMMAND, "set_pin needs pin_hash")
    return [ev.PinSet(c.account, c.pin_hash)], f"new trade PIN for {c.account}: give it again to bid"


_ACTIONS = {"register": _register, "approve": _approve, "decline": _decline, "set_limit": _set_limit, "set_pin": _set_pin}


def _not_approved(account: Account) -> str:
    return ("the house declined this account" if account.status == "declined" else
            "your registration awaits the house's approval")


def _locked(until: int, ts: int) -> str:
    minutes = max(1, -(-(until - ts) // 60_000))
    return f"bidding is locked for {minutes} min after too many wrong PINs"
