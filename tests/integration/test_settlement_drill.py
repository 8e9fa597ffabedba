"""The settlement drill as a test: the arbiter SIGKILLed in the middle of a burst of settlements."""
import pytest

from bench.drill import run

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.drill]


def test_a_killed_arbiter_applies_no_transfer_twice_and_the_books_still_balance():
    (drill,) = run(only=["settlement_kill"])["drills"]
    assert drill["lost"] == 0 and drill["duplicated"] == 0, drill
    assert drill["trial_balance_balanced"] and drill["orders_released"] == 20, drill
    assert drill["accepted"] == drill["bids_sent"] == 40 and drill["rejected"] == {}, drill
    assert drill["consignor_paid"] == 20 * 90_00, drill                 # each 100 HKD hammer less 10 % commission
