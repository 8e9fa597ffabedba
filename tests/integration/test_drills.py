"""./hall drill as a test: every sale-day drill, with the issue's targets as assertions (`check`,
which tests/cluster/test_drills.py applies to the drills it runs on the cluster)."""
from typing import Any

import pytest

from bench.drill import DRILLS, run

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.drill]


def check(drill: dict[str, Any]) -> None:
    """One drill's figures against its targets, whichever broker it ran on."""
    assert drill["lost"] == 0 and drill["duplicated"] == 0, drill
    name = drill["drill"]
    if name == "bridge_cut":
        assert drill["hall_decided_in_press_order"] and drill["online_held"] >= 1 and drill["bids_sent"] >= 8, drill
    elif name == "hostile":
        assert drill["processes_alive"] and drill["answers"] == drill["messages"] == 10_000, drill
    elif name == "duplicates":
        assert drill["answers_differ"] == 0, drill
    elif name == "bidders_1000":
        assert drill["received_lot_state"] == 1_000, drill
    elif name == "hostile_logins":          # one bidder's login attacking (issue 9) while honest bidders bid
        assert drill["honest_unanswered"] == [] and drill["processes_alive_and_answering"], drill
        assert drill["p99_calm_ms"] > 0 and drill["p99_attacked_ms"] > 0, drill   # the 3x target is judged by ./hall drill, not here
        assert drill["retained_junk_left"] == [] and drill["role_client_ids_taken"] == 0, drill
    elif name == "clock_jump":
        assert drill["accepted"] == 1 and drill["named_within_clock"], drill


def test_every_drill_loses_nothing_duplicates_nothing_and_recovers_within_5_s():
    figures = run(outage_s=30.0)
    by_name = {d["drill"]: d for d in figures["drills"]}
    assert set(by_name) == set(DRILLS)
    assert figures["bids_lost"] == 0 and figures["bids_duplicated"] == 0
    assert figures["outage_recovery_s"] is not None and figures["outage_recovery_s"] <= 5
    for drill in figures["drills"]:
        check(drill)
