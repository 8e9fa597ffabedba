"""Identity's rules: `decide` for accounts and the trade PIN. Pure.

Lifecycle: registered (pending) -> approved (optionally with a spending limit) or declined. An
approved account trades only in a session unlocked by its trade PIN: the engine hands the shell
the stored hash, the shell checks the PIN against it off the engine thread and sends CheckPin with
the outcome and that hash; a hash that changed meanwhile unlocks nothing. `pin_attempts` wrong PINs
in a row lock trading for `pin_lockout_ms`; while locked even the right PIN is refused, so guessing
gains nothing. A session ends when the account's presence goes offline (its MQTT will).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cloud.core.refusal import Refusal
from cloud.identity import events as ev
from cloud.identity.commands import CheckPin, ManageAccount, SetPresence
from cloud.identity.state import Account, IdentityState
from shared.codes import Code
from shared.money import format_amount
from shared.topics import is_bidder_login


# An account is a broker login, a topic level and a file name: no ':' (the password file's
# separator), '/', '+', '#' or spaces, and no leading '.' or '-'.
ACCOUNT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ACCOUNT_RULE = "use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or a digit"


@dataclass(frozen=True)
class IdentityPolicy:
    currency: str = "HKD"          # spending limits are in the house's currency
    pin_attempts: int = 5          # wrong trade PINs in a row before trading locks
    pin_lockout_ms: int = 900_000


def pin_refusal(account: Account | None, account_id: str, ts: int) -> Refusal | None:
    """Why a PIN from this account is not worth checking now (cheap: no scrypt), if it is not."""
    if account is None:
        return Refusal(Code.UNKNOWN_BIDDER, f"account '{account_id}' is not registered")
    if account.status != "approved":
        return Refusal(Code.NOT_APPROVED, not_approved(account))
    if account.locked_until is not None and ts < account.locked_until:
        return Refusal(Code.PIN_LOCKED, locked(account.locked_until, ts))
    return None


def trade_refusal(account: Account | None, account_id: str, ts: int) -> Refusal | None:
    """Why this account may not bid or trade now, if it may not: every domain that takes a user's
    trade-changing command asks this (spec 001's second authentication: the trade PIN session)."""
    refusal = pin_refusal(account, account_id, ts)
    if refusal is None and account is not None and not account.unlocked:
        return Refusal(Code.PIN_REQUIRED, "enter your trade PIN first")
    return refusal


def check_pin(state: IdentityState, policy: IdentityPolicy, cmd: CheckPin, seq: int, ts: int) -> list[Any]:
    account = state.accounts.get(cmd.account)
    refusal = pin_refusal(account, cmd.account, ts)
    if refusal is not None:
        failures = account.failures if account and refusal.code is Code.NOT_APPROVED else 0
        return [ev.PinAnswered(cmd.account, False, refusal.code, refusal.message, failures, account.locked_until if account else None, seq)]
    assert account is not None
    if cmd.pin_hash != account.pin_hash:
        return [ev.PinAnswered(cmd.account, False, Code.PIN_REQUIRED, "your trade PIN was changed while it was being checked: give the new one",
                               account.failures, None, seq)]
    if cmd.ok:
        return [ev.PinAnswered(cmd.account, True, Code.OK, "PIN accepted: you may bid and trade", 0, None, seq)]
    failures = account.failures + 1
    if failures >= policy.pin_attempts:
        until = ts + policy.pin_lockout_ms
        return [ev.PinAnswered(cmd.account, False, Code.PIN_LOCKED, f"wrong PIN {failures} times: {locked(until, ts)}", 0, until, seq)]
    left = policy.pin_attempts - failures
    return [ev.PinAnswered(cmd.account, False, Code.PIN_WRONG, f"wrong PIN: {left} attempt{'s' if left > 1 else ''} left before bidding locks",
                           failures, None, seq)]


def set_presence(state: IdentityState, cmd: SetPresence) -> list[Any]:
    account = state.accounts.get(cmd.account)
    changed = (cmd.account in state.present) != cmd.online or (not cmd.online and account is not None and account.unlocked)
    return [ev.PresenceChanged(cmd.account, cmd.online)] if account and changed else []


def manage(state: IdentityState, policy: IdentityPolicy, c: ManageAccount, seq: int) -> list[Any]:
    key = f"account/{c.command_id}"
    if key in state.answers:
        return [ev.AccountAnsweredAgain(key)]
    try:
        events, message = _ACTIONS[c.action](state, policy, c)
        answer = ev.AccountAnswered(key, c.command_id, True, Code.OK, message, seq)
    except Refusal as refusal:
        events, answer = [], ev.AccountAnswered(key, c.command_id, False, refusal.code, refusal.message, seq)
    return [*events, answer]


def _register(state: IdentityState, policy: IdentityPolicy, c: ManageAccount) -> tuple[list[Any], str]:
    if not is_bidder_login(c.account):
        raise Refusal(Code.BAD_COMMAND, f"'{c.account}' is the login of a role (arbiter, house, halls), not a bidder's")
    if not ACCOUNT_RE.fullmatch(c.account):
        raise Refusal(Code.BAD_COMMAND, f"'{c.account}' cannot be an account: {ACCOUNT_RULE}")
    if c.account in state.accounts:
        raise Refusal(Code.DUPLICATE_REGISTRATION, f"account {c.account} is already registered")
    if not c.handle or not c.pin_hash:
        raise Refusal(Code.BAD_COMMAND, "register needs handle (shown to the room) and pin_hash")
    if state.handle_taken(c.handle, c.account):
        raise Refusal(Code.DUPLICATE_REGISTRATION, f"the handle '{c.handle}' is taken: choose another")
    return [ev.AccountRegistered(c.account, c.handle, c.avatar, c.pin_hash)], f"account {c.account} registered: awaiting approval"


def _existing(state: IdentityState, account_id: str) -> Account:
    account = state.accounts.get(account_id)
    if account is None:
        raise Refusal(Code.UNKNOWN_BIDDER, f"account '{account_id}' is not registered")
    return account


def _money(policy: IdentityPolicy, minor: int) -> str:
    return format_amount(minor, policy.currency)


def _approve(state: IdentityState, policy: IdentityPolicy, c: ManageAccount) -> tuple[list[Any], str]:
    _existing(state, c.account)
    limit = f" with a spending limit of {_money(policy, c.limit)}" if c.limit else " with no spending limit"
    return [ev.AccountApproved(c.account, c.limit)], f"account {c.account} approved{limit}"


def _decline(state: IdentityState, policy: IdentityPolicy, c: ManageAccount) -> tuple[list[Any], str]:
    _existing(state, c.account)
    return [ev.AccountDeclined(c.account)], f"account {c.account} declined"


def _set_limit(state: IdentityState, policy: IdentityPolicy, c: ManageAccount) -> tuple[list[Any], str]:
    account = _existing(state, c.account)
    if account.status != "approved":
        raise Refusal(Code.NOT_APPROVED, not_approved(account))
    return [ev.AccountApproved(c.account, c.limit)], f"spending limit of {c.account}: {_money(policy, c.limit) if c.limit else 'none'}"


def _set_pin(state: IdentityState, policy: IdentityPolicy, c: ManageAccount) -> tuple[list[Any], str]:
    _existing(state, c.account)
    if not c.pin_hash:
        raise Refusal(Code.BAD_COMMAND, "set_pin needs pin_hash")
    return [ev.PinSet(c.account, c.pin_hash)], f"new trade PIN for {c.account}: give it again to bid"


_ACTIONS = {"register": _register, "approve": _approve, "decline": _decline, "set_limit": _set_limit, "set_pin": _set_pin}


def not_approved(account: Account) -> str:
    return ("the house declined this account" if account.status == "declined" else
            "your registration awaits the house's approval")


def locked(until: int, ts: int) -> str:
    minutes = max(1, -(-(until - ts) // 60_000))
    return f"bidding is locked for {minutes} min after too many wrong PINs"
