"""Proxy and absentee bids: the house bids for a maximum by the ladder, never above it; among equal
maxima the earlier wins; a room bid equal to a maximum loses to the earlier maximum."""
from cloud.core import events as ev
from shared.codes import Code
from tests.core.driver import UNIT, Driver


def opened(**maxima) -> Driver:
    d = Driver().start()
    for account, amount in maxima.items():
        d.set_max(account, amount * UNIT)
    d.command("open_lot")
    return d


def leader(d: Driver) -> tuple[str, int]:
    return d.lot.leader.bidder, d.lot.current_bid // UNIT


def test_a_maximum_bids_the_opening_price_when_the_lot_opens():
    assert leader(opened(alice=300)) == ("online:alice", 100)


def test_outbid_by_the_room_the_house_answers_one_rung_up_until_the_maximum_runs_out():
    d = opened(alice=150)
    d.hall_bid(11, 110 * UNIT)
    assert leader(d) == ("online:alice", 120)
    d.hall_bid(11, 130 * UNIT)
    assert leader(d) == ("online:alice", 140)
    accepted = d.hall_bid(11, 160 * UNIT)
    assert isinstance(accepted, ev.BidAccepted) and leader(d) == ("paddle:11", 160)


def test_a_room_bid_equal_to_a_maximum_loses_to_the_earlier_maximum_and_is_told_why():
    d = opened(alice=150)
    refused = d.hall_bid(11, 150 * UNIT)
    assert refused.code is Code.BELOW_ASKING
    assert refused.message == "an earlier maximum holds 150 HKD: asking is now 160 HKD"
    assert leader(d) == ("online:alice", 150)


def test_two_maxima_the_higher_wins_one_rung_above_the_other():
    d = opened(alice=300, bob=250)
    assert leader(d) == ("online:alice", 260)
    assert [b.amount // UNIT for b in d.lot.bids] == [250, 260]   # the runner-up shown at its maximum


def test_equal_maxima_the_earlier_wins_at_that_amount():
    d = opened(bob=300, alice=300)
    assert leader(d) == ("online:bob", 300)


def test_never_above_the_maximum_even_off_the_ladder():
    d = opened(alice=105)
    assert leader(d) == ("online:alice", 100)
    assert d.hall_bid(11, 100 * UNIT).code is Code.BELOW_ASKING
    d.hall_bid(11, 110 * UNIT)
    assert leader(d) == ("paddle:11", 110) and max(b.amount for b in d.lot.bids if b.bidder == "online:alice") <= 105 * UNIT


def test_a_maximum_set_during_the_lot_bids_at_once():
    d = opened()
    d.hall_bid(11, 100 * UNIT)
    d.set_max("bob", 200 * UNIT)
    assert leader(d) == ("online:bob", 110)


def test_refusals_and_a_repeated_maximum():
    d = opened()
    d.hall_bid(11, 100 * UNIT)
    assert d.set_max("bob", 105 * UNIT)[0].code is Code.BELOW_ASKING
    assert d.set_max("mallory", 500 * UNIT)[0].code is Code.UNKNOWN_BIDDER
    assert d.set_max("bob", 500 * UNIT, lot="D")[0].code is Code.LOT_CLOSED
    first = d.set_max("bob", 500 * UNIT, bid_id="same")
    assert d.set_max("bob", 500 * UNIT, bid_id="same") == [ev.BidAnsweredAgain(first[0].key)]


def test_an_absentee_maximum_left_with_the_house_for_a_paddle():
    d = Driver().start()
    answer = d.command("set_max", paddle=12, amount=400 * UNIT, lot="1")
    assert answer.ok
    d.command("open_lot")
    d.online_bid("alice", 110 * UNIT)
    assert leader(d) == ("paddle:12", 120) and d.lot.leader.channel == "floor"
