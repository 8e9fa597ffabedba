"""The market data as a read model of a house with the exchange: every channel's trades recorded in the
batch that made them, the figures, owners, offers that found no buyer, the valuation re-valued after
each trade (a neighbour grade estimated, the house's estimate without trades), published retained per
kind, and a replay of the journal that reproduces every value history exactly."""
from __future__ import annotations

import dataclasses
import json

from cloud.config import Config
from cloud.custody.domain import CustodyDomain
from cloud.custody.events import KindDefined
from cloud.identity.domain import IdentityDomain
from cloud.domains import house_codec, house_domains, read_house
from cloud.kernel.domain import House
from cloud.kernel.store import Journal
from cloud.ledger.domain import LedgerDomain
from cloud.market import commands as cmd
from cloud.market.domain import MarketDomain
from cloud.market.events import Traded
from cloud.market.policy import MarketPolicy
from cloud.marketdata import state as md
from cloud.marketdata.domain import MarketDataDomain, MarketDataPolicy
from cloud.marketdata.valuation import Assessed, ValuationRules
from shared import topics
from shared.codes import Code
from shared.backoffice import Grade
from tests.ledger.driver import DRAGON, PENNY_BLACK
from tests.market.driver import KIND, Market

HOUR = 3_600_000
RULES = ValuationRules(half_life_ms=HOUR)


def ready(*accounts: str, show_owners: bool = False, rules: ValuationRules = RULES) -> Market:
    house = House([IdentityDomain(), LedgerDomain(), CustodyDomain(), MarketDomain(MarketPolicy("HKD", 10, 20)),
                   MarketDataDomain(MarketDataPolicy("HKD", show_owners, rules))])
    m = Market(house=house)
    m.define(DRAGON)
    m.define(PENNY_BLACK)
    for account in accounts:
        m.user(account)
        m.deposit(account, 10_000_000)
        m.deposit_item(account, f"bundle-{account}", KIND, 100)
    return m


def data(m: Market) -> md.MarketDataState:
    return m.house["marketdata"]


def published(m: Market, events, kind: str = KIND) -> dict:
    """The retained kind message the batch of `events` publishes."""
    found = [p for p in m.house.settled(events, m.seq, m.ts) if p.topic == topics.KIND_MARKET.format(kind=kind)]
    assert len(found) == 1 and found[0].retain
    return json.loads(found[0].payload)


def test_an_exchange_fill_is_recorded_and_valued_in_its_own_batch():
    m = ready("alice", "bob")
    m.order("alice", "sell", 3, 100_000)
    events = m.send(cmd.PlaceOrder("bob", "b1", KIND, "buy", 2, 100_000, "HKD"))
    market = data(m).kinds[KIND]
    assert [(t.channel, t.quantity, t.price, t.ts) for t in market.trades] == [("exchange", 2, 100_000, m.ts)]
    assert market.value == Assessed(100_000, "trades", "low", 1, 0) and market.history[-1].number == 1
    body = published(m, events)
    assert body["last"] == 100_000 and body["value"]["value"] == 100_000 and body["value"]["confidence"] == "low"
    assert body["windows"][0] == {"name": "all", "ms": 0, "trades": 1, "volume": 2, "high": 100_000, "low": 100_000,
                                  "average": 100_000}
    assert body["owners"] == 2 and "owner_handles" not in body or body["owner_handles"] == []
    assert body["tape"] == [{"at_ms": m.ts, "channel": "exchange", "quantity": 2, "price": 100_000, "group": False, "cancelled": ""}]


def test_figures_over_all_time_and_windows_and_owners_when_the_house_shows_them():
    m = ready("alice", "bob", "carol", show_owners=True)
    m.order("alice", "sell", 4, 100_000)
    m.order("bob", "buy", 4, 100_000)                        # 4 at 100,000
    m.order("alice", "sell", 2, 105_000, advance_ms=2 * 86_400_000)
    m.order("carol", "buy", 2, 105_000)                      # 2 at 105,000, two days later
    m.order("alice", "sell", 1, 95_000)
    events = m.send(cmd.PlaceOrder("bob", "b9", KIND, "buy", 1, 100_000, "HKD"))   # 1 at 95,000 (the resting price)
    body = published(m, events)
    windows = {w["name"]: w for w in body["windows"]}
    # all time: 7 units, (4 × 100,000 + 2 × 105,000 + 95,000) / 7 = 100,714.3 -> 100,714
    assert (windows["all"]["trades"], windows["all"]["volume"], windows["all"]["high"], windows["all"]["low"],
            windows["all"]["average"]) == (3, 7, 105_000, 95_000, 100_714)
    # the last day: the two later trades, (2 × 105,000 + 95,000) / 3 = 101,666.7 -> 101,667
    assert (windows["24h"]["trades"], windows["24h"]["volume"], windows["24h"]["average"]) == (2, 3, 101_667)
    assert body["last"] == 95_000
    assert body["owners"] == 3 and sorted(body["owner_handles"]) == ["alice", "bob", "carol"]


def test_owners_are_counted_from_the_ledger_and_a_seller_who_sold_out_is_no_owner():
    m = ready("alice")
    m.user("dave")
    m.deposit("dave", 50_000_000)
    m.order("alice", "sell", 100, 100_000)
    events = m.send(cmd.PlaceOrder("dave", "d1", KIND, "buy", 100, 100_000, "HKD"))
    assert published(m, events)["owners"] == 1


def test_clock_stops_and_its_withdrawn_rest_and_an_issue_allocation_are_recorded():
    m = ready("alice", "bob")
    start = m.ts + 1_000
    m.said(cmd.ListClock("alice", "k1", KIND, 50, 5, 200_000, 100_000, "HKD", start, start + 100_000, "steps", 10_000))
    m.tick(start - m.ts)
    clock = m.market.clocks["k1"]
    m.said(cmd.AcceptClock("bob", "acc1", "k1", 20, clock.terms.top))
    m.tick(200_000)                                          # past the floor: the other 30 withdrawn
    market = data(m).kinds[KIND]
    assert [(t.channel, t.quantity, t.price, t.reference) for t in market.trades] == [("clock", 20, 200_000, "k1")]
    assert [(u.channel, u.quantity, u.reference) for u in market.unsold] == [("clock", 30, "k1")]
    assert market.unsold[0].ts == m.ts

    kind = "hk-dragon-2024-ms70"
    m.define(dataclasses.replace(DRAGON, kind=kind, name="Hong Kong 2024 Dragon", issue_year=2024))
    m.user("mint")
    opens = m.ts + 1_000
    m.said(cmd.OpenIssue("c-issue", cmd.NewIssue("i1", kind, "mint", 100, 50_000, "HKD", opens, opens + 10_000)))
    m.tick(opens - m.ts)
    m.said(cmd.ApplyForIssue("alice", "a1", "i1", 30))
    m.said(cmd.ApplyForIssue("bob", "a2", "i1", 10))
    events = m.tick(20_000)
    issued = data(m).kinds[kind]
    assert [(t.channel, t.quantity, t.price, t.ts) for t in issued.trades] == [("issue", 40, 50_000, m.ts)]
    assert issued.value.value == 50_000 and published(m, events, kind)["owners"] == 2


def test_the_house_estimate_then_the_trades_value():
    m = ready("alice", "bob")
    assert data(m).kinds[KIND].value == Assessed(None, "none", "none", 0, 0)
    m.said(cmd.SetReference("r1", KIND, 90_000))
    assert data(m).kinds[KIND].value == Assessed(90_000, "house", "house", 0, 0)
    m.order("alice", "sell", 1, 95_000)
    m.order("bob", "buy", 1, 95_000)
    assert data(m).kinds[KIND].value.source == "trades"
    assert [v.assessed.value for v in data(m).kinds[KIND].history] == [90_000, 95_000]


def test_a_grade_without_trades_lies_between_its_traded_neighbours_and_follows_them():
    state = md.MarketDataState(rules=RULES)
    for grade in ("MS-60", "MS-63", "MS-65", "MS-70"):
        md.apply(KindDefined(dataclasses.replace(DRAGON, kind=f"d-{grade}", grade=Grade("sheldon", grade))), state)
    md.apply(KindDefined(PENNY_BLACK), state)
    fill = lambda kind, price, ts: md.apply(Traded(kind, "buy", "x/1", "y/1", 1, price, 0, 0, "", "", 1, ts), state)  # noqa: E731
    fill("d-MS-60", 100_000, 1_000)
    assert state.kinds["d-MS-63"].value.source == "none"             # one side only: no line to draw
    fill("d-MS-70", 200_000, 2_000)
    # MS-63 on the line from MS-60 (100,000) to MS-70 (200,000): 100,000 + 3/10 × 100,000
    assert state.kinds["d-MS-63"].value == Assessed(130_000, "estimate", "estimate", 2, 0)
    assert state.kinds["d-MS-65"].value.value == 150_000
    fill("d-MS-65", 160_000, 3_000)
    # MS-63 now between MS-60 and MS-65: 100,000 + 3/5 × 60,000
    assert state.kinds["d-MS-63"].value.value == 136_000
    assert [v.assessed.value for v in state.kinds["d-MS-63"].history] == [130_000, 136_000]
    assert state.kinds[PENNY_BLACK.kind].value.source == "none"      # another series is untouched


def test_a_single_absurd_trade_is_ignored_by_the_valuation_but_kept_on_the_record():
    state = md.MarketDataState(rules=RULES)
    fill = lambda price, ts: md.apply(Traded(KIND, "buy", "x/1", "y/1", 1, price, 0, 0, "", "", 1, ts), state)  # noqa: E731
    for ts, price in enumerate((100_000, 102_000, 98_000, 101_000), 1):
        fill(price, ts)
    before = state.kinds[KIND].value.value
    fill(100_000_000, 5)                                                # a fat finger: 1,000 × the going price
    market = state.kinds[KIND]
    assert market.value.value == before and market.value.excluded == 1 and market.value.trades == 4
    assert market.figures.since(0).high == 100_000_000 and len(market.trades) == 5     # the record keeps it: the value does not


def scripted(m: Market) -> None:
    m.said(cmd.SetReference("r1", KIND, 100_000))
    for n in range(6):
        m.order("alice", "sell", 1 + n % 3, 100_000 + 1_000 * n, advance_ms=HOUR // 3)
        m.order("bob", "buy", 1 + n % 3, 100_000 + 1_000 * n)
    start = m.ts + 1_000
    m.said(cmd.ListClock("alice", "k1", KIND, 10, 2, 110_000, 90_000, "HKD", start, start + 60_000, "steps", 10_000))
    m.tick(start - m.ts)
    m.said(cmd.AcceptClock("bob", "acc1", "k1", 3, 110_000))
    m.tick(120_000)


def test_a_replay_of_the_journal_reproduces_every_value_history_exactly():
    m = ready("alice", "bob")
    scripted(m)
    live = data(m)
    assert len(live.kinds[KIND].history) >= 8
    replayed = m.replayed()
    assert replayed["marketdata"] == live
    assert replayed.state_hash() == m.house.state_hash()


def test_the_journal_through_the_house_codec_rebuilds_the_same_histories(tmp_path):
    m = ready("alice", "bob", rules=ValuationRules())           # the house's default rules, as read_house builds it
    scripted(m)
    config = Config()
    house = House(house_domains(config))
    journal = Journal.create(tmp_path / "h.sqlite3", house_codec(house), "h1")
    journal.append(m.entries)
    journal.close()
    rebuilt = read_house(tmp_path / "h.sqlite3", config)
    assert rebuilt["marketdata"].kinds[KIND].history == data(m).kinds[KIND].history


def test_the_exchange_bands_a_kind_without_trades_around_its_valuation():
    m = ready("alice", "bob")
    for grade, price in (("MS-60", 100_000), ("MS-70", 200_000)):
        kind = f"dragon-{grade}"
        m.define(dataclasses.replace(DRAGON, kind=kind, grade=Grade("sheldon", grade)))
        m.deposit_item("alice", f"lot-{grade}", kind, 5)
        m.order("alice", "sell", 1, price, kind=kind)
        m.order("bob", "buy", 1, price, kind=kind)
    assert data(m).kinds[KIND].value == Assessed(150_000, "estimate", "estimate", 2, 0)      # MS-65, halfway
    assert m.order("bob", "buy", 1, 100_000).code == Code.OUTSIDE_BAND
    assert m.order("bob", "buy", 1, 150_000).ok


def test_a_snapshot_of_the_house_resumes_with_the_same_histories(tmp_path):
    m = ready("alice", "bob", rules=ValuationRules())
    scripted(m)
    path = tmp_path / "h.sqlite3"
    journal = Journal.create(path, house_codec(House(house_domains(Config()))), "h1")
    journal.append(m.entries)
    rebuilt = read_house(path)
    journal.save_snapshot(m.seq, rebuilt)
    journal.close()
    resumed = House(house_domains(Config()))
    journal = Journal.resume(path, house_codec(resumed))
    assert journal.load(resumed) == m.seq                                          # from the snapshot, not a replay
    journal.close()
    assert resumed["marketdata"] == rebuilt["marketdata"] and resumed["marketdata"].kinds[KIND].history == data(m).kinds[KIND].history
