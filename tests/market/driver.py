"""A house of identity, ledger, custody and the exchange, driven the way the kernel drives it (see
tests/ledger/driver.py): helpers to place orders and read balances in a line."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from cloud.custody.domain import CustodyDomain
from cloud.identity.domain import IdentityDomain
from cloud.kernel.domain import House
from cloud.ledger.accounts import user_cash, user_units
from cloud.ledger.domain import LedgerDomain
from cloud.market import commands as cmd
from cloud.market.domain import MarketDomain
from cloud.market.events import MarketAnswered
from cloud.market.policy import MarketPolicy
from cloud.market.state import MarketState
from tests.ledger.driver import DRAGON, PENNY_BLACK, Desk

KIND = DRAGON.kind


def market_house(policy: MarketPolicy | None = None) -> House:
    return House([IdentityDomain(), LedgerDomain(), CustodyDomain(), MarketDomain(policy or MarketPolicy("HKD", 10, 20))])


@dataclass
class Market(Desk):
    house: House = field(default_factory=market_house)
    _orders: Any = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def ready(cls, *accounts: str, cash: int = 10_000_000, units: int = 100, policy: MarketPolicy | None = None) -> "Market":
        """Approved, unlocked accounts, each with `cash` HKD minor units and `units` of DRAGON; the house's kinds defined."""
        m = cls(house=market_house(policy))
        m.define(DRAGON)
        m.define(PENNY_BLACK)
        for account in accounts:
            m.user(account)
            if cash:
                m.deposit(account, cash)
            if units:
                m.deposit_item(account, f"bundle-{account}", KIND, units)
        return m

    @property
    def market(self) -> MarketState:
        return self.house["market"]

    def order(self, account: str, side: str, quantity: int, price: int, tif: str = "gtc", until_ms: int | None = None,
              order_id: str | None = None, kind: str = KIND, advance_ms: int = 10) -> MarketAnswered:
        order_id = order_id or f"o{next(self._orders)}"
        return self.said(cmd.PlaceOrder(account, order_id, kind, side, quantity, price, "HKD", tif, until_ms), advance_ms)

    def said(self, command: Any, advance_ms: int = 10) -> MarketAnswered:
        answer = self.send(command, advance_ms)[-1]
        assert isinstance(answer, MarketAnswered), answer
        return answer

    def cash(self, account: str) -> tuple[int, int]:
        """(balance, available) of the account's HKD."""
        return self.balance(user_cash(account, "HKD"))

    def units(self, account: str, kind: str = KIND) -> tuple[int, int]:
        return self.balance(user_units(account, kind))

    def levels(self, side: str, kind: str = KIND) -> list[tuple[int, list[str]]]:
        """A side's levels, best first: (price, [order ids in time order])."""
        book = self.market.book(kind)
        levels, prices = (book.bids, reversed(book.bid_prices)) if side == "buy" else (book.asks, book.ask_prices)
        return [(p, [k.split("/", 1)[1] for k in levels[p]]) for p in prices]
