"""The market data as a read-model domain of the house: no commands of its own; it observes the trade
events of every channel (and the catalog, the house's estimates and unit transfers) in the batch that
produced them, so it is journaled, replayed, snapshotted and hashed with the rest, and the exchange may
decide on its valuation. Published retained per kind once per batch that touched the kind."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloud.core import events as auction_ev
from cloud.custody import events as custody_ev
from cloud.kernel.domain import House, Publication
from cloud.ledger import events as ledger_ev
from cloud.ledger.events import Phase
from cloud.market import events as market_ev
from cloud.marketdata import state as md
from cloud.marketdata.valuation import ValuationRules
from cloud.marketdata.views import Shown, kind_market
from shared import messages, topics

NAME = md.NAME


@dataclass(frozen=True)
class MarketDataPolicy:
    currency: str = "HKD"
    show_owners: bool = False     # the house's rule: owners' handles on the public kind page, or only their count
    rules: ValuationRules = ValuationRules()


class MarketDataDomain:
    name = NAME
    commands: tuple[type, ...] = ()
    events: tuple[type, ...] = ()
    modules = ()                  # it journals nothing of its own: its state is rebuilt from others' events
    observes = (custody_ev.KindDefined, custody_ev.ItemDeposited, auction_ev.SaleStarted, auction_ev.InSale,
                ledger_ev.TransferRecorded, market_ev.ReferenceSet, market_ev.Traded, market_ev.ClockListed, market_ev.ClockBought,
                market_ev.ClockWithdrawn, market_ev.IssueOpened, market_ev.IssueAllocated)

    def __init__(self, policy: MarketDataPolicy | None = None):
        self.policy = policy or MarketDataPolicy()
        self._shown: dict[str, Shown] = {}       # each kind's published tails, extended batch by batch

    def initial(self) -> md.MarketDataState:
        """The valuation's rules live in the state: what a value was computed with is replayed and hashed with it."""
        return md.MarketDataState(rules=self.policy.rules)

    def decide(self, house: House, command: Any, seq: int, ts: int) -> list[Any]:
        return []                 # only Tick reaches a domain without commands: nothing falls due here

    def apply(self, event: Any, state: md.MarketDataState) -> None:
        if type(event) is auction_ev.InSale and type(event.event) not in md.SALE_OUTCOMES:
            return                # a bid, a warning, a pause: most of a sale's events, passed at the cost of a lookup
        md.apply(event, state)

    def deadline(self, house: House) -> int | None:
        return None

    def publications(self, house: House, events: list[Any]) -> list[Publication]:
        return []

    def settled(self, house: House, events: list[Any], seq: int, ts: int) -> list[Publication]:
        state: md.MarketDataState = house[self.name]
        out = []
        for kind in touched(state, events):
            shown = self._shown.setdefault(kind, Shown())
            message = kind_market(house, state, kind, self.policy.currency, self.policy.show_owners, seq, ts, shown)
            out.append(Publication(topics.KIND_MARKET.format(kind=kind), messages.encode(message, **shown.known()), retain=True))
        return out


def touched(state: md.MarketDataState, events: list[Any]) -> dict[str, None]:
    """The kinds whose figures a batch changed, with their series' estimates that lean on them."""
    kinds: dict[str, None] = {}
    for event in events:
        if isinstance(event, (market_ev.Traded, market_ev.ReferenceSet)):
            kinds[event.kind] = None
        elif isinstance(event, (market_ev.ClockBought, market_ev.ClockWithdrawn)):
            kinds[state.clocks[event.clock_id][0]] = None
        elif isinstance(event, market_ev.IssueAllocated):
            kinds[state.issues[event.issue_id][0]] = None
        elif isinstance(event, auction_ev.InSale) and isinstance(event.event, auction_ev.OrderCancelled):
            if event.event.order_id in state.hall_orders:
                kinds[state.hall_orders[event.event.order_id][0]] = None
        elif isinstance(event, auction_ev.InSale) and isinstance(event.event, (auction_ev.OrderCreated, auction_ev.LotPassed)):
            sold = md.hall_lot(state, event.sale, event.event)
            if sold is not None:
                kinds[sold[1]] = None
        elif isinstance(event, custody_ev.KindDefined):
            kinds[event.spec.kind] = None
        elif isinstance(event, ledger_ev.TransferRecorded) and event.transfer.ledger.startswith("units:") \
                and event.transfer.phase in (Phase.POSTED, Phase.POST):                # units moved: owners may change
            kinds[event.transfer.ledger.removeprefix("units:")] = None
    for kind in list(kinds):
        found = state.grades.get(kind)
        for peer in state.series.get(found[0], {}) if found else ():
            if (market := state.kinds.get(peer)) is not None and market.value.source == "estimate":
                kinds[peer] = None
    return kinds
