"""News subscriptions: a user follows a category, a kind or an issuer, and is told of every new
listing there (a sell order on the book, a clock, a new issue): once, even if followed three ways."""
from __future__ import annotations

from typing import Any

from cloud.core.refusal import Refusal
from cloud.identity.domain import identity
from cloud.kernel.domain import House
from cloud.ledger.events import UserNotified
from cloud.market import commands as cmd, events as ev
from cloud.market.answers import Outcome, answered_once
from cloud.market.state import MarketState
from shared.codes import Code


def subscribe(house: House, state: MarketState, c: cmd.Subscribe, seq: int) -> list[Any]:
    def decide() -> Outcome:
        found = identity(house).accounts.get(c.account)
        if found is None or found.status != "approved":
            raise Refusal(Code.NOT_APPROVED, f"account '{c.account}' is not approved by the house")
        if c.scope != "issuer" and c.value not in (house["custody"].categories if c.scope == "category" else house["custody"].kinds):
            raise Refusal(Code.UNKNOWN_CATEGORY if c.scope == "category" else Code.UNKNOWN_KIND,
                          f"there is no {c.scope} '{c.value}' in the catalog")
        told = "you will be told of new listings" if c.active else "you will no longer be told of listings"
        return Outcome([ev.Subscribed(c.account, c.scope, c.value, c.active)], f"{told} in {c.scope} {c.value}")
    return answered_once(state, f"subscribe:{c.account}/{c.subscription_id}", c.subscription_id, c.account, seq, decide)


def announce(house: House, state: MarketState, lister: str, kind: str, text: str, seq: int) -> list[Any]:
    """A notice to each subscriber of the kind, its category or its issuer (not the lister)."""
    spec = house["custody"].kinds[kind]
    scopes = (f"kind:{kind}", f"category:{spec.category}", f"issuer:{spec.issuer}")
    told = dict.fromkeys(a for scope in scopes for a in state.subscribers.get(scope, ()) if a != lister)
    return [UserNotified(account, "market", f"New listing: {text}.", seq) for account in told]
