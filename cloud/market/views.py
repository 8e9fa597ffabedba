"""What the exchange publishes, built from its state: a book's depth, a clock's and an issue's state, a
user's open orders, and the notice each party of a fill reads."""
from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from cloud.identity.domain import identity
from cloud.kernel.domain import House
from cloud.ledger.accounts import quantity as amount_of, user_cash, user_units
from cloud.market import events as ev
from cloud.market.clocks import withdraws_at
from cloud.market.policy import MarketPolicy, book_status, reference_price
from cloud.market.state import MarketState
from shared import market as wire


def depth(house: House, state: MarketState, policy: MarketPolicy, kind: str, seq: int, ts: int) -> wire.Depth:
    book = state.book(kind)

    def levels(side: dict[int, dict[str, None]], prices: Iterable[int], units: dict[int, int]) -> tuple[wire.Level, ...]:
        return tuple(wire.Level(p, units[p], len(side[p])) for p in islice(prices, policy.depth_levels))
    category = house["custody"].kinds[kind].category
    opens, closes = state.hours.get(category, (None, None))
    return wire.Depth(kind, policy.currency, book_status(state, kind, category, ts),
                      levels(book.bids, reversed(book.bid_prices), book.bid_units), levels(book.asks, book.ask_prices, book.ask_units),
                      state.last_price.get(kind), reference_price(house, kind), seq, opens, closes)


def clock_state(state: MarketState, clock_id: str, seq: int) -> wire.ClockState:
    c = state.clocks[clock_id]
    t = c.terms
    return wire.ClockState(t.clock_id, t.kind, c.status, t.currency, t.top, t.floor, c.segment_top, c.segment_start, t.ends_at,
                           withdraws_at(c), t.schedule, t.step_ms, t.restart, t.quantity, c.remaining, t.minimum,
                           tuple(wire.ClockStop(*stop) for stop in c.stops), seq)


def issue_state(state: MarketState, issue_id: str, seq: int) -> wire.IssueState:
    issue = state.issues[issue_id]
    t = issue.terms
    terms = wire.IssueTerms(t.issue_id, t.kind, t.issuer, t.quantity, t.price, t.currency, t.opens_at, t.closes_at, t.method, t.seed)
    applied = [a.quantity for a in issue.applications]
    allocations = tuple(wire.Allocation(n, q, a) for n, (q, a) in enumerate(zip(applied, issue.allocations), 1))
    return wire.IssueState(terms, issue.status, sum(applied), allocations, seq)


def open_order(state: MarketState, key: str) -> wire.OpenOrder | None:
    """An order as its owner sees it while it is open (None once it has closed)."""
    o = state.orders.get(key)
    if o is None:
        return None
    return wire.OpenOrder(o.order_id, o.kind, o.side, o.price, o.quantity, o.remaining, o.tif,
                          "waiting" if o.status == "waiting" else "resting", o.seq, o.until_ms)


def fill_notices(house: House, state: MarketState, policy: MarketPolicy, trade: ev.Traded) -> list[tuple[str, str]]:
    """(account, text) for both parties: quantity, price, fee, the counterparty only if the house shows it, new balances."""
    taker, maker = _owner(trade.taker), _owner(trade.maker)
    buyer, seller = (taker, maker) if trade.aggressor == "buy" else (maker, taker)
    out = []
    for account, other, verb, fee in ((buyer, seller, "Bought", trade.buyer_fee), (seller, buyer, "Sold", trade.seller_fee)):
        shown = identity(house).accounts.get(other)
        party = f" ({'from' if verb == 'Bought' else 'to'} {shown.handle})" if policy.show_counterparty and shown else ""
        out.append((account, f"{verb} {trade.quantity} {trade.kind} at {amount_of(trade.price, policy.currency)}{party}, "
                             f"fee {amount_of(fee, policy.currency)}. {balances(house, account, trade.kind, policy.currency)}"))
    return out


def balances(house: House, account: str, kind: str, currency: str) -> str:
    ledger = house["ledger"]
    cash, units = ledger.account(user_cash(account, currency)), ledger.account(user_units(account, kind))
    return (f"You now have {amount_of(cash.available, currency)} available ({amount_of(cash.debits_pending, currency)} held) "
            f"and {units.balance} {kind} ({units.debits_pending} held).")


def _owner(key: str) -> str:
    return key.split("/", 1)[0]
