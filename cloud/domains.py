"""Which domains a house runs, built from its config: the one list the kernel, replay, snapshots,
reports and tools share (so none of them can forget a domain or journal a type nobody decodes)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cloud.config import Config
from cloud.core.domain import AuctionDomain
from cloud.core.events import InSale, SaleStarted, Unrouted
from cloud.core.state import AuctionState, apply
from cloud.custody.domain import CustodyDomain
from cloud.identity.domain import IdentityDomain, identity
from cloud.identity.rules import IdentityPolicy
from cloud.kernel import domain as kernel_domain
from cloud.kernel.codec import Codec
from cloud.kernel.domain import Domain, House
from cloud.kernel.pgstore import open_reader
from cloud.ledger.domain import LedgerDomain
from cloud.market.domain import MarketDomain, MarketPolicy
from cloud.marketdata.domain import MarketDataDomain, MarketDataPolicy


def house_domains(config: Config) -> list[Domain]:
    policy = IdentityPolicy(config.sale.currency, config.sale.pin_attempts, config.sale.pin_lockout_s * 1000)
    return [IdentityDomain(policy), AuctionDomain(), LedgerDomain(), CustodyDomain(), MarketDomain(MarketPolicy(config.sale.currency)),
            MarketDataDomain(MarketDataPolicy(config.sale.currency))]


def new_house(config: Config) -> House:
    return House(house_domains(config))


def house_codec(house: House) -> Codec:
    return Codec([kernel_domain, *(m for d in house.domains for m in d.modules)])


def read_house(journal_path: str | Path, config: Config | None = None) -> House:
    """The house a journal describes (newest valid snapshot + the rest), for reports, tools and tests."""
    house = new_house(config or Config())
    journal = open_reader(journal_path, house_codec(house))
    try:
        journal.load(house)
    finally:
        journal.close()
    return house


def sale_records(journal_path: str | Path, sale: str | None = None, config: Config | None = None) -> dict[str, AuctionState]:
    """Every sale of a house (or one), rebuilt from the journal with its whole record, in the order
    they were loaded: a closed sale leaves the live state, so reports read it here. Its bidders'
    names are the house's accounts as they are now."""
    house = read_house(journal_path, config)
    journal = open_reader(journal_path, house_codec(house))
    sales: dict[str, AuctionState] = {}
    try:
        for event in journal.events(mentioning=None if sale is None else journal.codec.mention("sale", sale)):
            if isinstance(event, SaleStarted) and sale in (None, event.spec.sale):
                sales[event.spec.sale] = AuctionState()
                apply(event, sales[event.spec.sale])
            elif isinstance(event, InSale) and event.sale in sales:
                apply(event.event, sales[event.sale])
    finally:
        journal.close()
    for state in sales.values():
        state.identity = identity(house)
    return sales


def sale_events(events: list[Any]) -> Iterator[Any]:
    """A batch's auction events without their sale wrappers (answers to unrouted messages included)."""
    for event in events:
        yield event.event if isinstance(event, InSale) else event.answer if isinstance(event, Unrouted) else event
