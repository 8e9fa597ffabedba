"""Events are the only way state changes: replaying them rebuilds the identical state, every time."""
from cloud import codec
from cloud.core.arbiter import handle
from cloud.core.state import AuctionState, apply
from cloud.journal import Entry, Journal, replay
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


def fold(entries) -> AuctionState:
    state = AuctionState()
    for _, events in entries:
        for event in events:
            apply(event, state)
    return state


def test_replayed_events_rebuild_the_live_state():
    d = busy_sale()
    assert fold(d.journal).state_hash() == d.state.state_hash()


def test_replaying_twice_gives_identical_state():
    d = busy_sale()
    assert fold(d.journal).state_hash() == fold(d.journal).state_hash()


def test_redeciding_the_journaled_commands_reproduces_the_same_events():
    d = busy_sale()
    state = AuctionState()
    for stamped, events in d.journal:
        assert handle(state, stamped) == events
    assert state.state_hash() == d.state.state_hash()


def test_state_hash_sees_a_difference():
    d = busy_sale()
    other = fold(d.journal[:-1])
    assert other.state_hash() != d.state.state_hash()


def test_journal_file_round_trip_through_sqlite(tmp_path):
    d = busy_sale()
    journal = Journal.open(tmp_path / "j.sqlite3")
    journal.append([Entry(stamped, events) for stamped, events in d.journal])
    journal.close()
    reopened = Journal.open(tmp_path / "j.sqlite3")
    assert replay(reopened).state_hash() == d.state.state_hash()
    assert reopened.last() == (d.seq, d.journal[-1][0].ts)
    assert [e.stamped for e in reopened.entries()] == [s for s, _ in d.journal]


def test_codec_round_trips_every_journaled_value():
    d = busy_sale()
    for stamped, events in d.journal:
        assert codec.loads(codec.dumps(stamped)) == stamped
        assert codec.loads(codec.dumps(events)) == events


def test_money_is_conserved_on_every_order():
    d = busy_sale()
    for order in d.state.orders.values():
        assert all(type(v) is int for v in (order.hammer, order.premium, order.discount, order.total))
        assert order.total == order.hammer + order.premium - order.discount
        assert 0 <= order.discount <= order.hammer * d.state.sale.discount.cap_bp // 10_000
