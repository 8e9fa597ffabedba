"""Property tests over random order streams (hypothesis): whatever three users send (orders of every
time in force, cancels, amends, quantity clocks and stops on them) and however time passes, no balance goes negative, units are conserved
per kind and money per currency, every hold is exactly what its order can still cost, the book is never
crossed at rest, every fill lies within both orders' limits, and a replay of the journal (through the
journal's codec) rebuilds the same state hash."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from cloud.kernel import domain as kernel_domain
from cloud.kernel.codec import Codec
from cloud.kernel.domain import House, Tick
from cloud.ledger.accounts import house_cash
from cloud.ledger.views import trial_balance
from cloud.market import commands as cmd, events as ev
from cloud.market.clocks import price_at
from cloud.market.policy import hold_needed
from tests.market.driver import KIND, Market

USERS = ("alice", "bob", "carol")
CASH, UNITS = 5_000_000, 60

prices = st.integers(98, 102).map(lambda p: p * 1_000)
place = st.tuples(st.just("place"), st.sampled_from(USERS), st.sampled_from(("buy", "sell")), st.integers(1, 25), prices,
                  st.sampled_from(("gtc", "gtc", "ioc", "fok", "gtd")), st.integers(1, 5_000))
cancel = st.tuples(st.just("cancel"), st.integers(0, 40))                  # which open order (any, if none is open)
amend = st.tuples(st.just("amend"), st.integers(0, 40), st.integers(1, 25), st.none() | prices)
tick = st.tuples(st.just("tick"), st.integers(1, 3_000))
clock = st.tuples(st.just("clock"), st.sampled_from(USERS), st.integers(1, 20), st.integers(1, 5), st.sampled_from(("linear", "steps")),
                  st.sampled_from(("resume", "top")))
accept = st.tuples(st.just("accept"), st.sampled_from(USERS), st.integers(0, 9), st.integers(1, 20))
streams = st.lists(st.one_of(place, place, place, cancel, amend, tick, clock, accept), min_size=25, max_size=80)


def run(m: Market, step: tuple, n: int) -> None:
    if step[0] == "place":
        _, user, side, quantity, price, tif, life = step
        user = USERS[(USERS.index(user) + n) % len(USERS)]     # hypothesis favours one user: turn them round
        price += 1_000 if side == "buy" else -1_000             # overlapping ranges: most orders cross something
        m.send(cmd.PlaceOrder(user, f"o{n}", KIND, side, quantity, price, "HKD", tif, m.ts + life if tif == "gtd" else None))
    elif step[0] in ("cancel", "amend"):
        open_orders = list(m.market.orders.values())
        user, target = (o.account, o.order_id) if open_orders and (o := open_orders[step[1] % len(open_orders)]) else ("bob", "o0")
        m.send(cmd.CancelOrder(user, target) if step[0] == "cancel" else cmd.AmendOrder(user, f"o{n}", target, *step[2:]))
    elif step[0] == "clock":
        _, user, quantity, minimum, schedule, restart = step
        m.send(cmd.ListClock(user, f"k{n}", KIND, quantity, min(minimum, quantity), 104_000, 96_000, "HKD", m.ts, m.ts + 8_000,
                             schedule, 1_000, restart))
    elif step[0] == "accept":
        _, user, which, quantity = step
        live = list(m.market.live_clocks)
        if live:
            clock = m.market.clocks[live[which % len(live)]]
            m.send(cmd.AcceptClock(user, f"a{n}", clock.terms.clock_id, quantity, price_at(clock, m.ts + 10)))
    else:
        m.send(Tick(), step[1])


def check(m: Market) -> None:
    ledger, market = m.ledger, m.market
    for account in ledger.accounts.values():
        if account.user is not None:
            assert account.balance >= 0 and account.available >= 0, account
    totals = {t.ledger: t for t in trial_balance(ledger)[1]}
    assert all(t.balanced for t in totals.values())
    assert sum(m.units(u)[0] for u in USERS) == UNITS * len(USERS)                          # units conserved
    fees, escrow = ledger.account(house_cash("fees", "HKD")), ledger.account(house_cash("escrow", "HKD"))
    assert sum(m.cash(u)[0] for u in USERS) + fees.balance == CASH * len(USERS)             # money conserved
    assert escrow.balance == 0
    for c in market.clocks.values():                                                          # a clock holds what is left
        assert (c.hold in ledger.transfers and ledger.transfers[c.hold].amount == c.remaining) if c.terms.clock_id in market.live_clocks \
            else c.hold not in ledger.transfers
    for order in market.orders.values():                                                      # holds exact
        held = ledger.transfers[order.hold]
        assert order.hold in ledger.transfers
        want = hold_needed(order.price, order.remaining, max(order.maker_bps, order.taker_bps)) if order.side == "buy" else order.remaining
        assert held.amount == want, (order, held)
    book = market.book(KIND)
    if book.bid_prices and book.ask_prices:
        assert book.bid_prices[-1] < book.ask_prices[0]                                       # never crossed at rest
    assert sorted(book.bid_prices) == book.bid_prices and sorted(book.ask_prices) == book.ask_prices
    for levels, units in ((book.bids, book.bid_units), (book.asks, book.ask_units)):                # the depth's units, kept
        assert units == {p: sum(market.orders[k].remaining for k in queue) for p, queue in levels.items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams)
def test_random_order_streams_keep_the_books_and_the_ledger_right(steps):
    m = Market.ready(*USERS, cash=CASH, units=UNITS)
    for n, step in enumerate(steps):
        run(m, step, n)
        check(m)
    limits: dict[str, tuple[str, int]] = {}
    for events in m.journal:
        for e in events:
            if isinstance(e, ev.OrderAccepted):
                limits[e.key] = (e.side, e.price)
            elif isinstance(e, ev.Traded):
                for key in (e.taker, e.maker):
                    side, limit = limits[key]
                    assert e.price <= limit if side == "buy" else e.price >= limit
                assert e.price == limits[e.maker][1]                                          # at the resting price
    codec = Codec([kernel_domain, *(mod for d in m.house.domains for mod in d.modules)])
    replayed = House(m.house.domains)
    for events in m.journal:
        for event in events:
            replayed.apply(codec.loads(codec.dumps(event)))
    assert replayed.state_hash() == m.house.state_hash()
