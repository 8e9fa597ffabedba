"""A retract changes who leads: the maxima must answer again, as after every accepted bid."""
from tests.core.driver import UNIT, Driver


def test_a_retracted_house_bid_is_answered_again_by_the_maximum_that_still_stands():
    d = Driver().start()
    d.set_max("alice", 3_000 * UNIT)
    d.command("open_lot")
    d.hall_bid(12, 650 * UNIT)
    assert (d.lot.leader.bidder, d.lot.current_bid) == ("online:alice", 700 * UNIT)
    assert d.command("retract").ok                     # the house's 700 for alice
    assert (d.lot.leader.bidder, d.lot.current_bid) == ("online:alice", 700 * UNIT)
    assert [b.bidder for b in d.lot.bids][-2:] == ["paddle:12", "online:alice"]


def test_retracting_the_only_bid_lets_the_maximum_bid_the_opening_price_again():
    d = Driver().start()
    d.set_max("alice", 300 * UNIT)
    d.command("open_lot")                              # the house bids 100 for alice
    assert d.command("retract").ok
    assert (d.lot.leader.bidder, d.lot.current_bid) == ("online:alice", 100 * UNIT)
