"""Descending lots: the clock falls from top to floor; the first valid acceptance wins."""
from cloud.core import events as ev
from cloud.core.catalog import DutchSpec
from shared.codes import Code
from tests.core.driver import UNIT, Driver


def dutch_open() -> Driver:
    d = Driver().start()
    d.command("open_lot", lot="D")
    return d


def test_step_schedule_falls_by_equal_steps_and_stops_at_the_floor():
    clock = DutchSpec(top=1000, floor=500, duration_ms=10_000, schedule="steps", step_ms=1_000)
    assert [clock.price_at(ms) for ms in (0, 999, 1000, 5000, 9999, 10_000, 60_000)] == [1000, 1000, 950, 750, 550, 500, 500]


def test_linear_schedule_falls_continuously():
    clock = DutchSpec(top=1000, floor=500, duration_ms=10_000, schedule="linear")
    assert [clock.price_at(ms) for ms in (0, 1, 5000, 10_000)] == [1000, 1000, 750, 500]


def test_first_acceptance_wins_at_the_price_accepted_and_sells_at_once():
    d = dutch_open()
    d.ts += 3_000  # the clock shows 850
    first = d.online_bid("alice", 850 * UNIT, lot="D", advance_ms=0)
    second = d.hall_bid(11, 850 * UNIT, lot="D", advance_ms=1)
    assert isinstance(first, ev.BidAccepted)
    assert isinstance(second, ev.LateBidRecorded) and second.message.startswith("late: lot D was sold")
    (order,) = d.state.orders.values()
    assert (order.buyer, order.hammer) == ("online:alice", 850 * UNIT)
    assert d.lot.status == "sold"


def test_acceptance_of_an_older_higher_price_pays_that_price():
    d = dutch_open()
    d.ts += 5_000  # clock at 750; the bidder accepted 800 a moment ago on a slow screen
    accepted = d.hall_bid(11, 800 * UNIT, lot="D", advance_ms=0)
    assert isinstance(accepted, ev.BidAccepted) and accepted.amount == 800 * UNIT


def test_acceptance_below_the_clock_is_refused_with_the_clock_price():
    d = dutch_open()
    refused = d.hall_bid(11, 600 * UNIT, lot="D")
    assert refused.code is Code.BELOW_ASKING and refused.message == "the clock is at 1,000 HKD"


def test_above_top_price_is_refused():
    d = dutch_open()
    assert d.online_bid("alice", 2000 * UNIT, lot="D").code is Code.ABOVE_TOP_PRICE


def test_nothing_by_the_floor_passes_the_lot():
    d = dutch_open()
    assert d.tick(5_000) == []
    (passed,) = d.tick(6_000)
    assert isinstance(passed, ev.LotPassed) and d.lot.status == "passed"


def test_acceptance_after_the_clock_ended_is_refused():
    d = dutch_open()
    assert d.hall_bid(11, 500 * UNIT, lot="D", advance_ms=10_500).code is Code.DUTCH_ENDED


def test_asking_overrides_do_not_apply_to_a_dutch_lot():
    d = dutch_open()
    assert d.command("set_asking", amount=700 * UNIT).code is Code.BAD_COMMAND
    assert d.command("reopen").code is Code.CANNOT_REOPEN
