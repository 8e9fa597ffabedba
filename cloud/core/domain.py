"""The auction as a domain of the house's kernel: several sales over the years, one per hall at a time.

A sale is loaded (its definition, from `./hall sale load` or the config), run by its hall, and
closed. Hall messages reach the sale their hall runs; an online bid or maximum reaches the open
sale that holds its lot (lot ids are unique among open sales: loading a clashing sale is refused).
Each sale's events are wrapped in `InSale`, so one sale's rules (`arbiter.py`) stay as they were.

A closed sale leaves the live state: its lots, bids and presses stay in the journal only (reports
rebuild it from there: `cloud/domains.py:sale_records`); what the rules still need stays live: its
orders not yet released or cancelled, with its terms, until the last is, and the final status of
every order settled, which later desk commands are refused by. So a house's state, and its start,
grow with its open sales and unsettled orders, not with its years.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from cloud.core import arbiter, catalog, commands as auction_commands, discounts, events as ev, increments, outbound, settlement
from cloud.core.commands import CloseSale, LoadSale, PlaceBid, RecordPress, RunCommand, SetHallLink, SetMax, SettleOrder
from cloud.core.catalog import LotSpec, SettlementTerms
from cloud.core.refusal import Refusal
from cloud.core.state import OPEN_STATUSES, AuctionState, apply
from cloud.core.views import open_orders
from cloud.identity import events as identity_events
from cloud.identity.domain import identity
from cloud.kernel.domain import House, Publication, Tick
from cloud.marketdata.state import valuation
from cloud.ledger.accounts import user_units
from shared import messages, topics
from shared.codes import Code
from shared.messages import encode

NAME = "auction"
ORDER_CLOSING = (ev.OrderReleased, ev.OrderCancelled)    # with SettlementRecorded: the open orders list changed
SETTLED = {ev.OrderReleased: "released", ev.OrderCancelled: "cancelled"}


@dataclass
class ClosedSale:
    """What a closed sale still needs live: its orders not yet released or cancelled, and its terms."""
    terms: SettlementTerms
    orders: dict[str, ev.Order]


@dataclass
class Auctions:
    sales: dict[str, AuctionState] = field(default_factory=dict)         # the open sales
    halls: dict[str, str] = field(default_factory=dict)                  # hall -> the open sale it runs
    closed: set[str] = field(default_factory=set)                        # every sale closed (an id is never reused)
    answers: dict[str, tuple[bool, Code, str, int]] = field(default_factory=dict)   # see `answered`
    order_sales: dict[str, str] = field(default_factory=dict)            # open sales' and unsettled orders -> their sale
    settlements: dict[str, ev.Settlement] = field(default_factory=dict)  # orders not yet released or cancelled
    releasing: dict[str, int] = field(default_factory=dict)              # paid orders -> their release time (the few the clock reads)
    unsettled: dict[str, ClosedSale] = field(default_factory=dict)       # closed sales with orders not yet settled
    settled_orders: dict[str, str] = field(default_factory=dict)         # a closed sale's order -> released | cancelled

    def open_sales(self) -> list[str]:
        return list(self.sales)

    def answered(self, key: str) -> ev.SalesAnswered | None:
        """The answer a sale or desk command got, given again to the same command: kept for ever, one
        per command, so each is kept as (ok, code, message, seq), which a snapshot loads 6x faster
        than the event (the command id is the key's after its "sales/" or "orders/")."""
        found = self.answers.get(key)
        return None if found is None else ev.SalesAnswered(key, key.partition("/")[2], *found)

    def order(self, order_id: str) -> ev.Order:
        """A live order: in an open sale, or a closed sale's not yet settled."""
        sale = self.order_sales[order_id]
        return (self.sales[sale] if sale in self.sales else self.unsettled[sale]).orders[order_id]


def sale_state(house: House, sale: str) -> AuctionState:
    """One sale's state, able to read the house's accounts (the identity domain's, read-only)."""
    state = house[NAME].sales[sale]
    state.identity = identity(house)
    return state


def sale_publications(house: House, seq: int, ts: int, hall: str | None = None) -> list[Publication]:
    """Each open sale's run list and lot state as published (retained), or only `hall`'s sales': for a
    broker that lost them (at start), and for a hall box that connects through a bridge that clears
    the retain flag of what it forwards (a NATS cluster's), which would otherwise show a stale lot."""
    out: list[Publication] = []
    for name in house[NAME].sales:
        state = sale_state(house, name)
        if hall is None or (state.sale is not None and state.sale.hall == hall):
            out += [p for p in (outbound.catalog_publication(state), outbound.lot_publication(state, seq, ts)) if p]
    return out


class AuctionDomain:
    name = NAME
    commands = (LoadSale, CloseSale, PlaceBid, SetMax, RecordPress, RunCommand, SetHallLink, SettleOrder)
    events = (ev.SaleStarted, ev.InSale, ev.SaleClosed, ev.SalesAnswered, ev.Unrouted, ev.SettlementRecorded)
    modules = (catalog, auction_commands, discounts, ev, increments)

    def initial(self) -> Auctions:
        return Auctions()

    def decide(self, house: House, command: Any, seq: int, ts: int) -> list[Any]:
        auctions: Auctions = house[NAME]
        if isinstance(command, LoadSale):
            return _load(house, auctions, command, seq)
        if isinstance(command, CloseSale):
            return _close(house, auctions, command, seq)
        if isinstance(command, SettleOrder):
            return _settle(house, auctions, command, seq, ts)
        if isinstance(command, Tick):
            return [*(e for sale in auctions.open_sales() if _due(house, sale, ts)
                      for e in _in_sale(house, sale, command, seq, ts)), *settlement.due_releases(house, seq, ts)]
        sale = _route(auctions, command)
        if sale is None:
            return _unrouted(auctions, command, seq)
        if isinstance(command, RunCommand) and command.command.action in settlement.HALL_ACTIONS:
            return settlement.hall_command(house, sale, command, seq, ts)
        return _in_sale(house, sale, command, seq, ts)

    def apply(self, event: Any, state: Auctions) -> None:
        if isinstance(event, ev.InSale):
            if event.sale in state.closed:
                _apply_closed(event.event, state, event.sale)
                return
            apply(event.event, state.sales[event.sale])
            if isinstance(event.event, ev.OrderCreated):
                state.order_sales[event.event.order.order_id] = event.sale
            elif isinstance(event.event, ORDER_CLOSING):
                _unsettle(state, event.event.order_id)
        elif isinstance(event, ev.SettlementRecorded):
            recorded = event.settlement
            state.settlements[recorded.order_id] = recorded
            if recorded.release_at is None:
                state.releasing.pop(recorded.order_id, None)
            else:
                state.releasing[recorded.order_id] = recorded.release_at
        elif isinstance(event, ev.SaleStarted):
            sale = AuctionState()
            apply(event, sale)
            state.sales[event.spec.sale] = sale
            state.halls[event.spec.hall] = event.spec.sale
        elif isinstance(event, ev.SaleClosed):
            _archive(state, event.sale)
        elif isinstance(event, ev.SalesAnswered):
            state.answers[event.key] = (event.ok, event.code, event.message, event.seq)

    def deadline(self, house: House) -> int | None:
        due = [t for sale in house[NAME].open_sales() if (t := arbiter.next_deadline(sale_state(house, sale))) is not None]
        return min(due + list(house[NAME].releasing.values()), default=None)

    def publications(self, house: House, events: list[Any]) -> list[Publication]:
        out: list[Publication] = []
        for sale, inner in _by_sale(events).items():
            if sale in house[NAME].sales:      # a closed sale's order steps are answered by the desk's SalesAnswered
                out += outbound.publications(sale_state(house, sale), inner)
        for event in events:
            if isinstance(event, ev.Unrouted):
                out.append(outbound.unrouted(event.answer))
            elif isinstance(event, ev.SalesAnswered):
                body = messages.CommandResult(event.command_id, "ok" if event.ok else "rejected", event.code.name, event.message, event.seq)
                out.append(Publication(topics.HOUSE_RESULT.format(), encode(body)))
        return out

    def settled(self, house: House, events: list[Any], seq: int, ts: int) -> list[Publication]:
        """Retained states once per batch: an open sale's lot and run list when they changed; every open
        sale's lot state when someone came or went (it counts the online bidders present). A closed
        sale's stay as they were at its close."""
        auctions: Auctions = house[NAME]
        lots: set[str] = set()
        runs: set[str] = set()
        for event in events:
            if isinstance(event, ev.SaleStarted):
                lots.add(event.spec.sale)
                runs.add(event.spec.sale)
            elif isinstance(event, ev.InSale) and event.sale in auctions.sales:
                if isinstance(event.event, outbound.LOT_CHANGING):
                    lots.add(event.sale)
                if isinstance(event.event, outbound.CATALOG_CHANGING):
                    runs.add(event.sale)
            elif isinstance(event, identity_events.PresenceChanged):
                lots.update(auctions.open_sales())
        out = [p for sale in sorted(runs) if (p := outbound.catalog_publication(sale_state(house, sale)))]
        if any(isinstance(e, ev.SettlementRecorded) or isinstance(e, ev.InSale) and isinstance(e.event, ORDER_CLOSING) for e in events):
            out.append(Publication(topics.OPEN_ORDERS.format(), encode(open_orders(auctions.order, auctions.settlements, seq)), retain=True))
        return out + [p for sale in sorted(lots) if (p := outbound.lot_publication(sale_state(house, sale), seq, ts))]


def _in_sale(house: House, sale: str, command: Any, seq: int, ts: int) -> list[Any]:
    """One sale's rules decide; the settlement follows what they decided (an order's holds, notices)."""
    state = sale_state(house, sale)
    events = arbiter.decide(state, command, seq, ts)
    return [*(ev.InSale(sale, e) for e in events), *settlement.follow(house, sale, state, events, seq, ts)]


def _settle(house: House, auctions: Auctions, command: SettleOrder, seq: int, ts: int) -> list[Any]:
    key = f"orders/{command.command_id}"
    if (again := auctions.answered(key)) is not None:
        return [again]
    try:
        events, message = settlement.desk(house, command, seq, ts)
    except Refusal as refusal:
        return _answer(key, command.command_id, False, refusal.code, refusal.message, seq)
    return [*events, *_answer(key, command.command_id, True, Code.OK, message, seq)]


def _due(house: House, sale: str, ts: int) -> bool:
    deadline = arbiter.next_deadline(sale_state(house, sale))
    return deadline is not None and ts >= deadline


def _route(auctions: Auctions, command: Any) -> str | None:
    """The sale a command is for: its hall's, or (online) the open sale holding its lot."""
    if isinstance(command, PlaceBid) and command.channel == "online" or isinstance(command, SetMax):
        lot = command.bid.lot if isinstance(command, PlaceBid) else command.max_bid.lot
        holding = [sale for sale in auctions.open_sales() if lot in auctions.sales[sale].lots]
        live = [sale for sale in holding if auctions.sales[sale].current_lot == lot]
        return (live or holding or [None])[0]
    hall = command.source if isinstance(command, PlaceBid) else command.hall
    return auctions.halls.get(hall)


def _unrouted(auctions: Auctions, command: Any, seq: int) -> list[Any]:
    if isinstance(command, (PlaceBid, SetMax)):
        order, source = (command.bid, command.source) if isinstance(command, PlaceBid) else (command.max_bid, command.account)
        channel = command.channel if isinstance(command, PlaceBid) else "online"
        prefix = "max:" if isinstance(command, SetMax) else f"{channel}:"
        text = (f"lot '{order.lot}' is in no sale this house is running" if channel == "online"
                else f"hall {source} runs no sale: the house must load one")
        code = Code.UNKNOWN_LOT if channel == "online" else Code.UNKNOWN_SALE
        return [ev.Unrouted(ev.BidRejected(order.lot, order.bid_id, f"{prefix}{source}/{order.bid_id}", code, text, order.amount,
                                           None, seq, source, channel, getattr(order, "paddle", None)))]
    if isinstance(command, RunCommand):
        answer = ev.CommandAnswered(f"{command.hall}/{command.command.command_id}", command.command.command_id, command.hall, False,
                                    Code.UNKNOWN_SALE, f"hall {command.hall} runs no sale: the house must load one", seq)
        return [ev.Unrouted(answer)]
    return []                          # a press or a link change with no sale: nothing to decide


def _answer(key: str, command_id: str, ok: bool, code: Code, message: str, seq: int) -> list[Any]:
    return [ev.SalesAnswered(key, command_id, ok, code, message, seq)] if command_id else []


def _load(house: House, auctions: Auctions, command: LoadSale, seq: int) -> list[Any]:
    spec, key = command.spec, f"sales/{command.command_id}"
    if command.command_id and (again := auctions.answered(key)) is not None:
        return [again]                                 # the same answer again, nothing else
    refusal = _load_refusal(auctions, command)
    if refusal is not None:
        return _answer(key, command.command_id, False, *refusal, seq)
    try:
        spec = replace(spec, lots=tuple(_from_catalog(house, auctions, lot) for lot in spec.lots))
    except Refusal as refused:
        return _answer(key, command.command_id, False, refused.code, f"lot {refused.args[0]}", seq)
    accounts = identity(house).accounts
    enrolled = [identity_events.BidderEnrolled(b.account, b.handle, b.avatar, b.pin_hash, b.limit)
                for b in spec.bidders if b.account not in accounts]
    message = f"sale {spec.sale} loaded in hall {spec.hall}: {len(spec.lots)} lots"
    return [*enrolled, ev.SaleStarted(spec), *_answer(key, command.command_id, True, Code.OK, message, seq)]


def _load_refusal(auctions: Auctions, command: LoadSale) -> tuple[Code, str] | None:
    spec = command.spec
    if spec.sale in auctions.sales or spec.sale in auctions.closed:
        return Code.SALE_EXISTS, f"sale {spec.sale} is already in this house"
    running = auctions.halls.get(spec.hall)
    if running is not None:
        return Code.HALL_BUSY, f"hall {spec.hall} runs sale {running}: close it first"
    for other in auctions.open_sales():
        clash = sorted({lot.lot for lot in spec.lots} & set(auctions.sales[other].lots))
        if clash:
            return Code.BAD_COMMAND, f"lot ids {', '.join(clash)} are also in open sale {other}: online bids could not tell them apart"
    return None


def _from_catalog(house: House, auctions: Auctions, lot: LotSpec) -> LotSpec:
    """A lot that names a catalog item: the item must be in custody, held by its depositor and in no
    other unsettled lot; what the lot does not say (title, description, image) comes from its kind, and
    with no estimate given, the kind's current valuation x the item's units, 10 % either side."""
    if lot.item is None:
        return lot
    custody, ledger = settlement.custody_of(house), settlement.ledger_of(house)
    item = custody.items.get(lot.item) if custody else None
    if custody is None or ledger is None or item is None:
        raise Refusal(Code.UNKNOWN_ITEM, f"{lot.lot}: there is no item {lot.item} in the house's custody")
    if lot.item in custody.withdrawn:
        raise Refusal(Code.ITEM_WITHDRAWN, f"{lot.lot}: item {lot.item} was shipped out")
    for sale in auctions.open_sales():
        if any(other.spec.item == lot.item and other.status != "sold" for other in auctions.sales[sale].lots.values()):
            raise Refusal(Code.BAD_COMMAND, f"{lot.lot}: item {lot.item} is offered in open sale {sale}")
    if any(s.item == lot.item for s in auctions.settlements.values()):
        raise Refusal(Code.BAD_COMMAND, f"{lot.lot}: item {lot.item} is sold, its order not yet settled")
    if ledger.account(user_units(item.depositor, item.kind)).available < item.quantity:
        raise Refusal(Code.INSUFFICIENT_UNITS, f"{lot.lot}: the depositor {item.depositor} no longer holds item {lot.item}")
    kind = custody.kinds[item.kind]
    value = valuation(house, item.kind) if lot.estimate_low is None and lot.estimate_high is None else None
    low, high = (value * item.quantity * 90 // 100, value * item.quantity * 110 // 100) if value else (lot.estimate_low, lot.estimate_high)
    return replace(lot, title=lot.title or f"{kind.name}, {kind.grade.value}", description=lot.description or kind.description,
                   image=lot.image or next(iter(kind.images), None), estimate_low=low, estimate_high=high)


def _close(house: House, auctions: Auctions, command: CloseSale, seq: int) -> list[Any]:
    key = f"sales/{command.command_id}"
    if command.command_id and (again := auctions.answered(key)) is not None:
        return [again]
    if command.sale not in auctions.sales:
        return _answer(key, command.command_id, False, Code.UNKNOWN_SALE, f"no open sale {command.sale}", seq)
    lot = auctions.sales[command.sale].lot
    if lot is not None and lot.status in OPEN_STATUSES + ("paused",):
        return _answer(key, command.command_id, False, Code.SALE_IN_PROGRESS, f"lot {lot.spec.lot} is still open: hammer or pass it first", seq)
    return [ev.SaleClosed(command.sale), *_answer(key, command.command_id, True, Code.OK, f"sale {command.sale} closed", seq)]


def _archive(state: Auctions, sale: str) -> None:
    """A sale closes: it leaves the live state but for its orders not yet settled (and its terms,
    which their steps need); a settled order leaves only its final status."""
    closing = state.sales.pop(sale)
    spec = closing.sale
    assert spec is not None
    state.closed.add(sale)
    if state.halls.get(spec.hall) == sale:
        del state.halls[spec.hall]
    live: dict[str, ev.Order] = {}
    for order_id, order in closing.orders.items():
        if order.status in SETTLED.values():
            _settled(state, order_id, order.status)
        else:
            live[order_id] = order
    if live:
        state.unsettled[sale] = ClosedSale(spec.terms, live)


def _apply_closed(event: Any, state: Auctions, sale: str) -> None:
    """A closed sale's order steps: paid, then released or cancelled (its lot, archived with the sale,
    is offered again by loading it in a later sale)."""
    if isinstance(event, ev.LotReoffered):
        return
    closed = state.unsettled[sale]
    if isinstance(event, ev.OrderPaid):
        closed.orders[event.order_id] = replace(closed.orders[event.order_id], status="paid")
    elif isinstance(event, ORDER_CLOSING):
        del closed.orders[event.order_id]
        _unsettle(state, event.order_id)
        _settled(state, event.order_id, SETTLED[type(event)])
        if not closed.orders:
            del state.unsettled[sale]
    else:
        raise TypeError(f"closed sale {sale} cannot take {type(event).__name__}")


def _unsettle(state: Auctions, order_id: str) -> None:
    state.settlements.pop(order_id, None)
    state.releasing.pop(order_id, None)


def _settled(state: Auctions, order_id: str, status: str) -> None:
    state.order_sales.pop(order_id, None)
    state.settled_orders[order_id] = status


def _by_sale(events: list[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for event in events:
        if isinstance(event, ev.InSale):
            grouped.setdefault(event.sale, []).append(event.event)
        elif isinstance(event, ev.SaleStarted):
            grouped.setdefault(event.spec.sale, [])
    return grouped
