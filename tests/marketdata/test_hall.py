"""Hall sales feed the market data: a hammered lot of a catalog item is a trade of its kind at the
hammer price (the premium kept apart), a lot of several units a group lot (recorded, never divided,
out of the figures), a passed lot an offer unsold; the valuation moves with the hammer."""
from __future__ import annotations

from cloud.core.catalog import LotSpec
from cloud.custody import commands as custody
from cloud.identity.commands import ManageAccount
from cloud.kernel.domain import House
from cloud.marketdata.domain import MarketDataDomain
from tests.core.driver import UNIT
from tests.core.settlement_driver import Settling, consigned_sale, house
from tests.ledger.driver import DRAGON, PENNY_BLACK, PIN_HASH


class Observed(Settling):
    def __post_init__(self) -> None:
        self.house = House([*house().domains, MarketDataDomain()])


def test_a_hammered_catalog_lot_is_a_trade_of_its_kind_and_a_passed_one_is_unsold():
    d = Observed().prepare()
    d.sold_to("alice", 120 * UNIT)
    hammered_at = d.ts
    data = d.house["marketdata"]
    (trade,) = data.kinds[DRAGON.kind].trades
    order = d.state.orders[d.state.lots["1"].order_id]
    assert (trade.channel, trade.quantity, trade.price, trade.group, trade.reference) == ("hall", 1, 120 * UNIT, False, f"{d.sale}/1")
    assert trade.premium == order.premium > 0 and trade.ts == hammered_at
    assert data.kinds[DRAGON.kind].value.value == 120 * UNIT and data.kinds[DRAGON.kind].figures.last == 120 * UNIT
    assert d.command("open_lot", lot="2").ok and d.command("pass", text="no bids").ok
    (unsold,) = data.kinds[PENNY_BLACK.kind].unsold
    assert (unsold.channel, unsold.quantity, unsold.reason, unsold.reference) == ("hall", 1, "no bids", f"{d.sale}/2")
    assert data.kinds[PENNY_BLACK.kind].trades == []


def test_a_group_lot_is_recorded_whole_and_left_out_of_the_figures_and_the_value():
    d = Observed()
    lots = (LotSpec("1", "", opening=100 * UNIT, item="dragon-5"),)
    d.send(ManageAccount("reg-carol", "register", "carol", handle="carol", pin_hash=PIN_HASH))
    d.send(ManageAccount("ok-carol", "approve", "carol"))
    d.send(custody.DefineKind("def", DRAGON))
    d.send(custody.DepositItem("dep", "dragon-5", "carol", DRAGON.kind, 5))
    d.start(consigned_sale(lots=lots))
    d.fund("alice", 10_000 * UNIT)
    assert d.command("open_lot").ok
    d.sold_to("alice", 500 * UNIT)
    market = d.house["marketdata"].kinds[DRAGON.kind]
    (trade,) = market.trades
    assert (trade.quantity, trade.price, trade.group) == (5, 500 * UNIT, True)
    assert market.figures.since(0).trades == 0 and market.figures.last is None and market.value.source == "none"


def test_a_reopened_lot_leaves_its_hammer_on_the_record_as_cancelled_and_the_next_hammer_counts():
    d = Observed().prepare()
    d.sold_to("alice", 120 * UNIT)
    assert d.command("reopen").ok
    market = d.house["marketdata"].kinds[DRAGON.kind]
    (first,) = market.trades
    assert first.cancelled and not first.priced
    assert (market.figures.since(0).trades, market.figures.last, market.value.source) == (0, None, "none")
    assert d.command("hammer").ok                                    # the leader's bid stands: hammered again
    assert [t.cancelled == "" for t in market.trades] == [False, True]
    assert (market.figures.since(0).trades, market.figures.last, market.value.value) == (1, 120 * UNIT, 120 * UNIT)
    assert [v.assessed.source for v in market.history] == ["trades", "none", "trades"]
    assert d.replayed()["marketdata"] == d.house["marketdata"]
