"""The WAN outage policy: online bidding held while the room is cut off, the room's presses judged
against the asking price they saw when they arrive."""
from cloud.core import events as ev
from cloud.core.commands import SetHallLink
from cloud.core.views import lot_state
from cloud.transports.wire import to_command
from shared import messages, topics
from shared.codes import Code
from tests.core.driver import UNIT, Driver


def cut_off() -> Driver:
    d = Driver().start()
    d.command("open_lot")
    d.hall_bid(11, 100 * UNIT)
    changed = d.send(SetHallLink("h1", False))
    assert [type(e) for e in changed] == [ev.HallLinkChanged, ev.MessageSent]
    return d


def test_online_bids_are_held_while_the_room_is_cut_off():
    d = cut_off()
    held = d.online_bid("alice", 110 * UNIT)
    assert held.code is Code.HALL_OFFLINE and "held until it returns" in held.message
    assert d.lot.asking() == 110 * UNIT


def test_presses_made_during_the_outage_are_judged_against_the_asking_price_they_saw():
    d = cut_off()
    d.send(SetHallLink("h1", True))
    first, second = d.hall_bid(12, 110 * UNIT), d.hall_bid(11, 110 * UNIT)
    assert isinstance(first, ev.BidAccepted) and second.code is Code.BELOW_ASKING
    assert isinstance(d.online_bid("alice", 120 * UNIT), ev.BidAccepted)   # online bidding resumes


def test_link_notifications_for_another_hall_or_repeated_change_nothing():
    d = cut_off()
    assert d.send(SetHallLink("other-hall", True)) == [] and d.send(SetHallLink("h1", False)) == []


def test_a_dutch_lot_waits_for_the_room_and_takes_its_queued_acceptance():
    d = Driver().start()
    d.command("open_lot", lot="D")
    d.send(SetHallLink("h1", False), advance_ms=1_000)
    assert d.tick(15_000) == [], "the lot does not pass while the room is cut off"
    d.send(SetHallLink("h1", True), advance_ms=5_000)
    accepted = d.hall_bid(11, 900 * UNIT, lot="D", advance_ms=300)     # pressed during the outage at 900
    assert isinstance(accepted, ev.BidAccepted) and d.lot.status == "sold"


def test_a_dutch_lot_passes_once_the_room_is_back_and_caught_up():
    d = Driver().start()
    d.command("open_lot", lot="D")
    d.send(SetHallLink("h1", False), advance_ms=1_000)
    d.send(SetHallLink("h1", True), advance_ms=20_000)
    assert d.tick(500) == []
    (passed,) = d.tick(2_000)
    assert isinstance(passed, ev.LotPassed)


def test_the_room_reads_connected_only_once_a_hall_box_has_connected():
    d = Driver().start()
    d.command("open_lot")
    assert lot_state(d.state, d.seq, d.ts).hall_online is None        # nobody in the room has connected yet
    first = d.send(SetHallLink("h1", True))                            # the hall box's presence, or its bridge's "1"
    assert [type(e) for e in first] == [ev.HallLinkChanged]            # no "the room is back" message: it never left
    assert lot_state(d.state, d.seq, d.ts).hall_online is True
    assert d.send(SetHallLink("h1", True)) == []
    d.send(SetHallLink("h1", False))
    assert lot_state(d.state, d.seq, d.ts).hall_online is False


def test_a_hall_box_online_is_the_room_connected():
    topic, params = topics.parse(topics.HALL_PRESENCE.format(hall="h1"))
    assert to_command(topic, params, messages.Presence(online=True)) == SetHallLink("h1", True)
    assert to_command(topic, params, messages.Presence(online=False)) is None   # the box, not the link
