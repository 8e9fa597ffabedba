"""./hall drill as a test: every sale-day drill, with the issue's targets as assertions."""
import pytest

from bench.drill import DRILLS, run

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.drill]


def test_every_drill_loses_nothing_duplicates_nothing_and_recovers_within_5_s():
    figures = run(outage_s=30.0)
    by_name = {d["drill"]: d for d in figures["drills"]}
    assert set(by_name) == set(DRILLS)
    assert figures["bids_lost"] == 0 and figures["bids_duplicated"] == 0
    assert figures["outage_recovery_s"] is not None and figures["outage_recovery_s"] <= 5
    cut = by_name["bridge_cut"]
    assert cut["hall_decided_in_press_order"] and cut["online_held"] >= 1 and cut["bids_sent"] >= 8
    assert by_name["hostile"]["processes_alive"] and by_name["hostile"]["answers"] == by_name["hostile"]["messages"] == 10_000
    assert by_name["duplicates"]["answers_differ"] == 0
    assert by_name["bidders_1000"]["received_lot_state"] == 1_000
    logins = by_name["hostile_logins"]          # one bidder's login attacking (issue 9) while honest bidders bid
    assert logins["honest_unanswered"] == [] and logins["processes_alive_and_answering"], logins
    assert logins["p99_calm_ms"] > 0 and logins["p99_attacked_ms"] > 0   # the 3x target is judged by ./hall drill, not here
    assert logins["retained_junk_left"] == [] and logins["role_client_ids_taken"] == 0, logins
    jump = by_name["clock_jump"]
    assert jump["accepted"] == 1 and jump["named_within_clock"], jump
    for drill in figures["drills"]:
        assert drill["lost"] == 0 and drill["duplicated"] == 0, drill
