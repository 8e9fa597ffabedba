"""Events are the only way state changes: replaying them rebuilds the identical house, every time."""
from cloud.core.commands import BidOrder, PlaceBid
from cloud.domains import house_codec
from cloud.kernel.domain import House
from cloud.kernel.store import Entry, Journal
from tests.core.driver import UNIT, Driver


def busy_sale() -> Driver:
    d = Driver().start()
    d.presence("alice", True)
    d.command("open_lot")
    for i, amount in enumerate([100, 110, 120, 130, 150]):
        (d.hall_bid if i % 2 else d.online_bid)(*((11,) if i % 2 else ("alice",)), amount * UNIT)
    d.hall_bid(12, 120 * UNIT)                  # stale
    d.command("set_increment", factor="half")
    d.online_bid("bob", 155 * UNIT)
    d.command("retract")
    d.command("lift_reserve")
    d.command("hammer")
    d.online_bid("bob", 170 * UNIT, advance_ms=100)  # late
    d.command("open_lot")
    d.hall_bid(11, 200 * UNIT, bid_id="p")
    d.press("p", 5_000, 900)
    d.command("hammer")
    d.command("open_lot")
    d.online_bid("alice", 900 * UNIT, lot="D", advance_ms=2_000)
    return d


def test_replayed_events_rebuild_the_live_house():
    d = busy_sale()
    assert d.replayed().state_hash() == d.house.state_hash()


def test_replaying_twice_gives_identical_state():
    d = busy_sale()
    assert d.replayed().state_hash() == d.replayed().state_hash()


def test_redeciding_the_journaled_commands_reproduces_the_same_events():
    d = busy_sale()
    house = House(d.house.domains)
    for stamped, events in d.journal:
        assert house.handle(stamped) == events
    assert house.state_hash() == d.house.state_hash()


def test_state_hash_sees_a_difference():
    d = busy_sale()
    d.journal.pop()
    assert d.replayed().state_hash() != d.house.state_hash()


def journal_of(d: Driver, path) -> Journal:
    journal = Journal.create(path, house_codec(d.house), "h1")
    journal.append([Entry(stamped, events) for stamped, events in d.journal])
    return journal


def test_journal_file_round_trip_through_sqlite(tmp_path):
    d = busy_sale()
    journal_of(d, tmp_path / "j.sqlite3").close()
    reopened = Journal.resume(tmp_path / "j.sqlite3", house_codec(d.house))
    house = House(d.house.domains)
    assert reopened.load(house) == 0 and house.state_hash() == d.house.state_hash()
    assert reopened.last() == (d.seq, d.journal[-1][0].ts)
    assert [e.stamped for e in reopened.entries()] == [s for s, _ in d.journal]


def test_codec_round_trips_every_journaled_value():
    d = busy_sale()
    codec = house_codec(d.house)
    for stamped, events in d.journal:
        assert codec.loads(codec.dumps(stamped)) == stamped
        assert codec.loads(codec.dumps(events)) == events


def test_result_codes_stay_codes_through_the_journal():
    d = busy_sale()
    codec = house_codec(d.house)
    refused = d.send(PlaceBid(BidOrder("x", "1", 1, "HKD", 11), "hall", "h1"))
    (stored,) = codec.loads(codec.dumps(d.journal[-1][1]))
    assert stored.event.code is refused[0].code and type(stored.event.code).__name__ == "Code"


def test_money_is_conserved_on_every_order():
    d = busy_sale()
    for order in d.state.orders.values():
        assert all(type(v) is int for v in (order.hammer, order.premium, order.discount, order.total))
        assert order.total == order.hammer + order.premium - order.discount
        assert 0 <= order.discount <= order.hammer * d.state.sale.discount.cap_bp // 10_000
