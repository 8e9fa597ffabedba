"""The arbiter connected to one node of the NATS cluster moves on to the next when that node dies
(`[broker] failover`), with its persistent session: a command sent while it was away is answered."""
from __future__ import annotations

import os
import sys

from bench.cluster import ArbiterProcess
from cloud.nats import NatsCluster
from shared import messages, topics
from shared.config import DEFAULT_FILE
from shared.messages import encode
from tests.conftest import ROOT, Listener

HALL = "hall1"


def command(hall: Listener, command_id: str, action: str) -> dict:
    hall.publish(topics.HALL_COMMAND.format(hall=HALL), encode(messages.Command(command_id=command_id, action=action)))
    return hall.expect(timeout=60, command_id=command_id)


def test_the_arbiter_fails_over_to_the_next_node_and_answers_what_was_sent_meanwhile(tmp_path):
    with NatsCluster(tmp_path / "nats") as cluster:
        config = tmp_path / "house.toml"
        first, *rest = cluster.addresses
        config.write_text(DEFAULT_FILE.read_text().replace(
            "port = 1883\n", f'port = {cluster.port}\nfailover = "{" ".join(rest)}"\n', 1).replace("bids_per_s = 5", "bids_per_s = 0"))
        env = os.environ | {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        arbiter = ArbiterProcess([sys.executable, "-m", "cloud", "--config", str(config), "--journal", str(tmp_path / "house.sqlite3"), "--new"],
                                 env, tmp_path / "arbiter.log")
        hall = None
        try:
            assert arbiter.ready.wait(60), (tmp_path / "arbiter.log").read_text()[-2000:]
            hall = Listener(cluster.node(2), topics.HALL_RESULT.format(hall=HALL))
            assert command(hall, "before", "open_lot")["status"] == "ok"
            cluster.kill(0)                                   # the arbiter's node
            answer = command(hall, "while-moving", "pause")   # sent while the arbiter has no connection
            assert answer["status"] == "ok" and arbiter.alive()
            log = (tmp_path / "arbiter.log").read_text()
            assert f"trying {rest[0]} next" in log, log[-2000:]
        finally:
            if hall:
                hall.close()
            arbiter.proc.terminate()
            arbiter.proc.wait(timeout=30)
