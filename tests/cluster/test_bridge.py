"""The hall's Mosquitto bridged to the cluster through several addresses (bench/cluster.py's topology:
n2, then n3): when n2 dies the bridge fails over to n3, and a hall box that restarts afterwards shows
the lot as it is now: NATS clears the retain flag of what the bridge forwards live, so the hall's
broker holds a stale lot, and the arbiter sends the lot afresh to every hall that connects."""
from __future__ import annotations

import pytest

from bench.cluster import ClusterTopology
from bench.drill import HALL
from shared import topics
from tests.conftest import Listener
from tests.integration.test_hallbox import Room, wait_until

pytestmark = pytest.mark.slow


def online_bid_seen(t: ClusterTopology, account: str, amount: int, bid_id: str) -> None:
    t.online_bid(account, amount, bid_id)
    t.room.wait(lambda b: b.get("type") == "lot_state" and b.get("current_bid") == amount)


def test_a_hall_box_restarted_after_the_bridge_failed_over_gets_the_current_lot_state(tmp_path):
    t = ClusterTopology(tmp_path / "topology")
    restarted = None
    try:
        asking = t.open_lot()["asking"]
        online_bid_seen(t, "alice", asking, "before-failover")
        bridge = Listener(t.hall_broker, topics.HALL_BRIDGE.format(hall=HALL))
        bridge.expect(raw="1")
        t.nats.kill(1)                                          # n2, the bridge's first address
        bridge.expect(raw="0", timeout=30)
        bridge.expect(raw="1", timeout=30)                      # on n3
        bridge.close()
        online_bid_seen(t, "bob", asking + 10_000, "after-failover")
        t.hall.terminate()
        t.hall.wait()
        restarted = Room(t.hall_broker, tmp_path, lambda *filters: Listener(t.hall_broker, *filters))   # an empty store: all it knows comes through the bridge
        wait_until(lambda: restarted.box.state.lot and restarted.box.state.lot.current_bid == asking + 10_000,
                   what="the restarted hall box shows the current bid")
    finally:
        if restarted:
            restarted.close()
            restarted.auctioneer.close()
        t.close()
