"""Answer once, with what an order's sender needs to know: what filled, what rests, the all-in cost."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cloud.core.refusal import Refusal
from cloud.market.events import MarketAnswered, MarketAnsweredAgain
from cloud.market.state import MarketState
from shared.codes import Code


@dataclass
class Outcome:
    events: list[Any]
    message: str
    filled: int = 0
    remaining: int = 0
    cost: int = 0                 # all-in money moved: a buyer's price × quantity + fees, a seller's proceeds after fees
    fees: int = 0


def answered_once(state: MarketState, key: str, ref: str, account: str | None, seq: int,
                  decide: Callable[[], Outcome]) -> list[Any]:
    """`decide()` returns the outcome or raises Refusal: then only the coded refusal is answered and
    nothing else happens. The same key again is answered again and changes nothing."""
    if key in state.answers:
        return [MarketAnsweredAgain(key)]
    try:
        out = decide()
    except Refusal as refusal:
        return [MarketAnswered(key, ref, account, False, refusal.code, refusal.message, seq)]
    return [*out.events, MarketAnswered(key, ref, account, True, Code.OK, out.message, seq, out.filled, out.remaining,
                                        out.cost, out.fees)]
