"""The cluster drills (bench/cluster.py) as tests, on one topology: PostgreSQL, three NATS nodes, an
owning arbiter and its standby, the hall's Mosquitto bridged to the cluster and the simulated hall
box. Each asserts what the issue asks of its drill's JSON. The sale-day drills of bench/drill.py that
need nothing but the topology's room, hall box and lot run here too, checked as on Mosquitto."""
from __future__ import annotations

import pytest

from bench.cluster import FAILOVER_TARGET_S, ClusterTopology, arbiter_failover, fanout_5000, fenced_owner, nats_node_kill, postgres_restart
from bench.drill import clock_jump, duplicates
from tests.integration.test_drills import check

pytestmark = [pytest.mark.drill, pytest.mark.slow]


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    t = ClusterTopology(tmp_path_factory.mktemp("cluster-drill"))
    yield t
    t.close()


def nothing_lost_or_duplicated(result: dict) -> None:
    assert result["bids_sent"] > 0 and result["lost"] == 0 and result["duplicated"] == 0, result


def test_a_nats_node_killed_mid_sale_loses_and_duplicates_nothing(topology):
    result = nats_node_kill(topology)
    nothing_lost_or_duplicated(result)
    assert result["paddle_bids"] > 0 and result["online_bids"] > 0


def test_the_owner_killed_mid_burst_is_replaced_by_the_standby_within_the_target(topology):
    result = arbiter_failover(topology)
    nothing_lost_or_duplicated(result)
    assert result["failover_s"] <= FAILOVER_TARGET_S


def test_an_owner_frozen_past_its_lease_appends_not_one_row_when_it_wakes(topology):
    result = fenced_owner(topology)
    nothing_lost_or_duplicated(result)
    assert result["fenced_rows_appended"] == 0 and result["fenced_exit_code"] == 70
    assert result["new_epoch"] > result["old_epoch"]


def test_postgresql_stopped_mid_burst_stops_the_owner_before_it_publishes_and_the_house_recovers(topology):
    result = postgres_restart(topology)
    nothing_lost_or_duplicated(result)
    assert result["results_not_in_journal"] == 0 and result["owner_exit_code"] == 70


@pytest.mark.parametrize("qos", [0, 1])
def test_every_lot_state_change_reaches_every_subscriber_on_every_node(topology, qos):
    result = fanout_5000(topology, subscribers=60, qos=qos, changes=5)
    assert result["delivered_share"] == 1.0 and 0 < result["fanout_5000_ms_p99"] < 10_000, result


@pytest.mark.parametrize("drill", [duplicates, clock_jump], ids=lambda drill: drill.__name__)
def test_the_sale_day_drills_that_run_on_any_topology(tmp_path, drill):
    """Each on a topology of its own, as ./hall drill runs it: a drill opens the lot it needs."""
    fresh = ClusterTopology(tmp_path / "cluster-drill")
    try:
        check(drill(fresh))
    finally:
        fresh.close()
