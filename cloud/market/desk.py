"""The house desk's market settings: fees per kind or category, trading hours per category, halts,
a kind's reference price (new issues: issues.py). Each is answered once on the house's result topic."""
from __future__ import annotations

from functools import singledispatch
from typing import Any

from cloud.core.refusal import Refusal
from cloud.kernel.domain import House
from cloud.ledger.accounts import quantity as amount_of
from cloud.market import commands as cmd, events as ev
from cloud.market.answers import Outcome, answered_once
from cloud.market.guards import kind_spec
from cloud.market.policy import MarketPolicy
from cloud.market.state import MarketState
from shared.codes import Code


def run(house: House, state: MarketState, policy: MarketPolicy, c: cmd.DeskCommand, seq: int) -> list[Any]:
    return answered_once(state, f"house/{c.command_id}", c.command_id, None, seq, lambda: _rule(c, house, policy))


def _scope(house: House, scope: str) -> None:
    kind, colon, name = scope.partition(":")
    if scope == "all":
        return
    if kind == "kind" and colon:
        kind_spec(house, name)
    elif kind == "category" and colon:
        if name not in house["custody"].categories:
            raise Refusal(Code.UNKNOWN_CATEGORY, f"there is no category '{name}'")
    else:
        raise Refusal(Code.BAD_VALUE, f"'{scope}' is not kind:KIND, category:CATEGORY or all")


@singledispatch
def _rule(c: Any, house: House, policy: MarketPolicy) -> Outcome:
    raise TypeError(f"the market desk does not decide {type(c).__name__}")


@_rule.register
def _(c: cmd.SetFees, house: House, policy: MarketPolicy) -> Outcome:
    _scope(house, c.scope)
    return Outcome([ev.FeesSet(c.scope, c.maker_bps, c.taker_bps)],
                   f"fees for {c.scope}: maker {c.maker_bps} bp, taker {c.taker_bps} bp (orders placed from now on)")


@_rule.register
def _(c: cmd.SetHours, house: House, policy: MarketPolicy) -> Outcome:
    _scope(house, f"category:{c.category}")
    show = lambda m: f"{m // 60:02d}:{m % 60:02d}"  # noqa: E731
    return Outcome([ev.HoursSet(c.category, c.opens_minute, c.closes_minute)],
                   f"{c.category} trades from {show(c.opens_minute)} to {show(c.closes_minute)} UTC")


@_rule.register
def _(c: cmd.SetHalt, house: House, policy: MarketPolicy) -> Outcome:
    _scope(house, c.scope)
    return Outcome([ev.HaltSet(c.scope, c.halted)], f"{c.scope} {'halted: cancels only' if c.halted else 'trades again'}")


@_rule.register
def _(c: cmd.SetReference, house: House, policy: MarketPolicy) -> Outcome:
    kind_spec(house, c.kind)
    return Outcome([ev.ReferenceSet(c.kind, c.price)], f"{c.kind}'s reference price is {amount_of(c.price, policy.currency)} "
                                                       "until it trades")
