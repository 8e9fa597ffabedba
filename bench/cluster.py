"""./hall drill --cluster and ./hall bench --cluster: the cloud side on a 3-node NATS cluster with the
house's journal in PostgreSQL, one owning arbiter and one standby for the house.

    python -m bench.cluster drill [--json FILE] [--only NAME ...] [--fanout N]
    python -m bench.cluster bench [--json FILE] [--bids N] [--flood N] [--online-bidders N] [--fanout N]

The topology: PostgreSQL (private), nodes n1..n3; the arbiters on n1 (the owner and a standby
waiting for the house's lease); the hall's Mosquitto bridged to n2, failing over to n3; the hall box
(simulated paddles) on the hall broker; the room (online bidders, watching every answer) on n3.
Each drill reports what bench/drill.py's drills report (bids sent, decided, lost, duplicated,
recovery_s), read from a copy of the house's journal, plus its own figures:
  nats_node_kill     n2 (the bridge's node, a replica of every MQTT stream) is SIGKILLed mid-sale
  arbiter_failover   the owner is SIGKILLed mid-burst: failover_s until the standby answers bids
  fenced_owner       the owner is SIGSTOPped until the standby took over, then SIGCONTed: the rows
                     it appended afterwards (fenced_rows_appended, must be 0) and its exit code
  postgres_restart   PostgreSQL stops mid-burst: the owner stops (exit 70) rather than publish
                     undurable results (results_not_in_journal, must be 0); recovery_s from restart
  fanout_5000        one lot-state change to N subscribers spread over the nodes: fanout_5000_ms_p99
The bench runs ./hall bench's broker figures on one Mosquitto (SQLite journal) and on the cluster
(PostgreSQL journal), with the ratios, plus fanout_5000_ms_p99 and failover_s.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from bench.clients import BENCH_PIN, Peer, percentile, start_arbiter, stop_arbiter, unlock
from bench.crowd import crowd_process
from bench.demo import DEMO_PINS
from bench.drill import HALL, ROOT, SALE, Topology, Watcher, answered, decided, report, until
from cloud.broker import Bridge, Broker
from cloud.nats import NatsCluster
from cloud.pins import hash_pin
from cloud.postgres import Postgres
from cloud.kernel.pgstore import LEASE_S, PgJournal
from cloud.config import Config
from cloud.domains import house_codec, new_house
from shared import messages, topics
from shared.config import DEFAULT_FILE
from shared.messages import encode

HOUSE = "h1"
FAILOVER_TARGET_S = 10.0
RESTART_S = 1.0             # the supervisor's pause before it restarts an arbiter that ended


class ArbiterProcess:
    """One arbiter for the house: it says "arbiter ready" only once it owns the house's lease."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        with open(log, "ab") as err:
            self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True, env=env, cwd=ROOT)
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("arbiter ready"):
                self.ready.set()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)


class ClusterTopology(Topology):
    """bench/drill.py's topology with the cloud on the cluster: its bidding, pressing and lot helpers
    are used as they are."""

    def __init__(self, work: Path):
        self.work, self.production_limits = work, False
        self.env = os.environ | {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.pg = Postgres().init().start()
        self.nats = NatsCluster(work / "nats").start()
        self.location = f"{self.pg.dsn}#{HOUSE}"
        bridge = Bridge(" ".join(self.nats.addresses[1:]), HALL, SALE, try_private=False)
        self.hall_broker = Broker(work / "hall", bridge=bridge).start()
        self.arbiters: list[ArbiterProcess] = []
        self.hall = self.page = None
        config = work / "sale.toml"
        config.write_text(DEFAULT_FILE.read_text().replace("bids_per_s = 5", "bids_per_s = 0"))
        self.config = config
        self.start_arbiter(new=True)
        until(lambda: self.arbiters[0].ready.is_set(), timeout=60)
        self.closing = threading.Event()
        threading.Thread(target=self.supervise, daemon=True).start()
        self.start_hall()
        self.room = Watcher("room", self.nats.node(2), f"{topics.ROOT}/arbiter/#")
        self.local = Watcher("local", self.hall_broker, topics.HALL_BID.format(hall=HALL))
        self.unlock()

    def start_arbiter(self, new: bool = False) -> None:
        args = [sys.executable, "-m", "cloud", "--port", str(self.nats.ports[0]), "--journal", self.location,
                "--config", str(self.config), *(["--new"] if new else [])]
        self.arbiters.append(ArbiterProcess(args, self.env, self.work / f"arbiter-{len(self.arbiters)}.log"))

    def unlock(self, timeout: float = 60) -> None:
        """Give the demo PINs until every one is answered: a fresh subscription on NATS takes ~0.1 s
        per filter (a replicated consumer), so the first messages may find no one listening yet."""
        wanted = {topics.BIDDER_RESULT.format(account=a) for a in DEMO_PINS}
        deadline = time.monotonic() + timeout
        while {t for _, t, b in self.room.seen if b.get("unlocked")} != wanted:
            if time.monotonic() > deadline:
                raise TimeoutError("the house did not answer the PINs")
            for account, pin in DEMO_PINS.items():
                self.room.send(topics.BIDDER_PIN.format(account=account), encode(messages.Pin(pin=pin)))
            time.sleep(1.0)

    def owner(self) -> ArbiterProcess:
        return next(a for a in self.arbiters if a.ready.is_set() and a.alive())

    def supervise(self) -> None:
        """What systemd's Restart=always does in production: two arbiter processes for the house at
        all times, one owning it, the other waiting for its lease (a stopped process still counts)."""
        while not self.closing.wait(RESTART_S):
            if sum(a.alive() for a in self.arbiters) < 2:
                self.start_arbiter()

    @property
    def journal(self) -> Path:
        """A copy of the house's journal as it is now (SQLite), for bench/drill.py's report."""
        copy = self.work / f"journal-{time.monotonic_ns()}.sqlite3"
        reader = PgJournal.resume(self.location, house_codec(new_house(Config())), lease=False)
        try:
            reader.backup(copy)
        finally:
            reader.close()
        return copy

    def rows_of_epoch(self, epoch: int) -> int:
        with psycopg.connect(self.pg.dsn) as conn:
            return conn.execute("SELECT count(*) FROM journal WHERE house = %s AND epoch = %s", [HOUSE, epoch]).fetchone()[0]

    def epoch(self) -> int:
        with psycopg.connect(self.pg.dsn) as conn:
            return conn.execute("SELECT epoch FROM lease WHERE house = %s", [HOUSE]).fetchone()[0]

    def close(self) -> None:
        self.closing.set()
        for watcher in (self.room, self.local):
            watcher.close()
        for arbiter in self.arbiters:
            if arbiter.alive():
                arbiter.signal(signal.SIGCONT)
                arbiter.proc.terminate()
                arbiter.proc.wait(timeout=15)
        if self.hall and self.hall.poll() is None:
            self.hall.terminate()
            self.hall.wait(timeout=10)
        self.hall_broker.stop()
        self.nats.stop()
        self.pg.remove()


def bid_burst(t: ClusterTopology, tag: str, count: int, at: int, fault: Callable[[], None], every_s: float = 0.05) -> tuple[list[str], float]:
    """`count` online bids at rising amounts, `fault` done after bid number `at`; returns the ids and when the fault struck."""
    lot = t.lot() if t.lot().get("status") == "open" else t.open_lot()
    sent, amount, struck = [], int(lot["asking"]), 0.0
    for i in range(count):
        bid_id = f"{tag}-{i}"
        t.online_bid("alice" if i % 2 else "bob", amount, bid_id, lot=lot["lot"])
        sent.append(bid_id)
        amount += 5_000
        if i == at:
            fault()
            struck = time.monotonic()
        time.sleep(every_s)
    return sent, struck


def first_answer_after(t: ClusterTopology, bid_ids: list[str], since: float, timeout: float = 60) -> float:
    """Seconds from `since` until the first answer to any of `bid_ids`."""
    wanted = set(bid_ids)
    at, _ = t.room.arrival(lambda b: b.get("type") == "bid_result" and b.get("bid_id") in wanted, timeout)
    return at - since


# ---- the drills ------------------------------------------------------------------------------

def arbiter_failover(t: ClusterTopology) -> dict[str, Any]:
    """SIGKILL the owning arbiter mid-burst; the standby takes the lease once it expires, replays, answers."""
    owner = t.owner()
    sent, killed = bid_burst(t, "failover", 40, 20, lambda: (owner.signal(signal.SIGKILL), owner.proc.wait()))
    failover_s = first_answer_after(t, sent[21:], killed)
    until(lambda: answered(t, sent), timeout=60)
    return report("arbiter_failover", sent, t.journal, failover_s, failover_s=round(failover_s, 3),
                  lease_s=LEASE_S, failover_within_target=failover_s <= FAILOVER_TARGET_S)


def fenced_owner(t: ClusterTopology) -> dict[str, Any]:
    """SIGSTOP the owner, let the standby take over and serve, SIGCONT the old owner: it must not
    append a single row (its lease's epoch is gone) and must stop itself."""
    owner, epoch = t.owner(), t.epoch()
    sent, stopped = bid_burst(t, "fenced", 30, 5, lambda: owner.signal(signal.SIGSTOP))
    takeover_s = first_answer_after(t, sent[6:], stopped)
    until(lambda: answered(t, sent), timeout=60)
    rows_before = t.rows_of_epoch(epoch)
    owner.signal(signal.SIGCONT)
    after, _ = bid_burst(t, "fenced-after", 10, -1, lambda: None)
    try:
        exit_code = owner.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        exit_code = None
    until(lambda: answered(t, after), timeout=60)
    appended = t.rows_of_epoch(epoch) - rows_before
    return report("fenced_owner", sent + after, t.journal, takeover_s, fenced_rows_appended=appended,
                  fenced_exit_code=exit_code, old_epoch=epoch, new_epoch=t.epoch())


def postgres_restart(t: ClusterTopology, outage_s: float = 3.0) -> dict[str, Any]:
    """Stop PostgreSQL mid-burst (a database lost for `outage_s`): the owner's next commit fails and
    it stops, publishing nothing undurable; when the database is back the standby takes the house."""
    owner = t.owner()
    restarted: list[float] = []

    def outage() -> None:
        t.pg.stop("fast")
        threading.Timer(outage_s, lambda: (t.pg.start(), restarted.append(time.monotonic()))).start()

    sent, _ = bid_burst(t, "pgstop", 40, 15, outage)
    until(lambda: restarted, timeout=outage_s + 60)
    recovery = first_answer_after(t, sent[16:], restarted[0], timeout=90) if not answered(t, sent[16:17]) else 0.0
    until(lambda: answered(t, sent), timeout=90)
    try:
        exit_code = owner.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        exit_code = None
    copy = t.journal
    times, _ = decided(copy)
    results = {b.get("bid_id") for _, _, b in t.room.seen if b.get("type") == "bid_result" and b.get("bid_id") in set(sent)}
    return report("postgres_restart", sent, copy, recovery, outage_s=outage_s, owner_exit_code=exit_code,
                  results_not_in_journal=sum(1 for b in results if times[b] == 0))


def nats_node_kill(t: ClusterTopology) -> dict[str, Any]:
    """SIGKILL node n2 (the hall bridge's node) while paddles and online bidders bid: the bridge fails
    over to n3, the streams elect new leaders; nothing lost, nothing duplicated."""
    lot = t.open_lot()
    before = len(t.hall_bids_sent())
    online, amount, killed = [], int(lot["asking"]), 0.0
    for i in range(30):
        if i % 3 == 0:
            t.press(11 + (i // 3) % 3, 1_000 + 2_000 * ((i // 3) % 3))
        bid_id = f"nodekill-{i}"
        t.online_bid("alice" if i % 2 else "bob", amount, bid_id, lot=lot["lot"])
        online.append(bid_id)
        amount += 5_000
        if i == 15:
            t.nats.kill(1)
            killed = time.monotonic()
        time.sleep(0.2)
    time.sleep(1.0)
    pressed = t.hall_bids_sent()[before:]
    until(lambda: answered(t, online + pressed), timeout=90)
    after = online[16:] + pressed[len(pressed) // 2:]
    recovery = first_answer_after(t, after, killed)
    t.nats.restart(1)
    return report("nats_node_kill", online + pressed, t.journal, recovery, paddle_bids=len(pressed), online_bids=len(online))


def crowd_fanout(endpoints: list[tuple[str, int]], topic: str, subscribers: int, qos: int, changes: int,
                 change: Callable[[int], tuple[int, float]]) -> dict[str, Any]:
    """`subscribers` (bench/crowd.py, one process) spread over `endpoints`; `change(i)` makes the i-th
    lot-state change and returns its seq and when it was sent; from then to the last receipt."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(1) as pool:
        ready, go = manager.Queue(), manager.Event()
        crowd = pool.apply_async(crowd_process, (endpoints, subscribers, topic, qos, ready, go, 5.0))
        subscribe_s = handed(ready, crowd)
        published = dict(change(index) for index in range(changes))
        go.set()
        received = crowd.get(timeout=300)
    spans = sorted((received["latest"].get(seq, float("inf")) - sent) * 1000 for seq, sent in published.items())
    return {"subscribers": subscribers, "qos": qos, "changes": changes, "subscribe_all_s": round(subscribe_s, 3),
            "delivered_share": round(min(received["receipts"].get(seq, 0) for seq in published) / subscribers, 4),
            "fanout_ms_p50": round(percentile(spans, 50), 3), "fanout_ms_p99": round(percentile(spans, 99), 3)}


def fanout_5000(t: ClusterTopology, subscribers: int = 5_000, qos: int = 0, changes: int = 20) -> dict[str, Any]:
    """One lot-state change to `subscribers` connected clients spread over the nodes, `changes` times:
    from the bid's publish to the last subscriber's receipt."""
    lot = t.open_lot()

    def bid(index: int) -> tuple[int, float]:
        for account in ("alice", "bob") if index % 2 else ("bob", "alice"):      # whoever does not lead already
            asking, bid_id = int(t.lot()["asking"]), f"fanout-{index}-{time.monotonic_ns()}"
            sent = time.monotonic()
            t.online_bid(account, asking, bid_id, lot=lot["lot"])
            result = t.room.wait(lambda b: b.get("bid_id") == bid_id and b.get("type") == "bid_result")
            if result.get("code") != "ALREADY_LEADING":
                break
        if result.get("status") != "accepted":
            raise RuntimeError(f"fan-out bid refused: {result}")
        until(lambda: t.lot().get("seq", 0) >= result["seq"], timeout=30)
        time.sleep(0.1)
        return result["seq"], sent

    spread = crowd_fanout([(t.nats.host, port) for port in t.nats.ports], topics.LOT_STATE.format(sale=SALE), subscribers, qos, changes, bid)
    return {"drill": "fanout_5000", "nodes": len(t.nats.nodes), **{k: v for k, v in spread.items() if not k.startswith("fanout_ms")},
            "fanout_5000_ms_p50": spread["fanout_ms_p50"], "fanout_5000_ms_p99": spread["fanout_ms_p99"]}


def handed(box: Any, worker: Any, timeout: float = 900) -> Any:
    """What a worker process puts in `box`; its exception if it fails first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return box.get(timeout=1)
        except queue.Empty:
            if worker.ready():
                worker.get()                    # raises the worker's exception
                raise RuntimeError("the worker ended without an answer")
    raise TimeoutError(f"no answer from the worker within {timeout} s")


DRILLS: dict[str, Callable[..., dict[str, Any]]] = {
    "nats_node_kill": nats_node_kill, "arbiter_failover": arbiter_failover, "fenced_owner": fenced_owner,
    "postgres_restart": postgres_restart, "fanout_5000": fanout_5000,
}


def drill(only: list[str] | None = None, fanout_subscribers: int = 5_000) -> dict[str, Any]:
    results = []
    with tempfile.TemporaryDirectory(prefix="hall-cluster-drill-") as tmp:
        t = ClusterTopology(Path(tmp))
        try:
            for name in only or list(DRILLS):
                extra = {"subscribers": fanout_subscribers} if name == "fanout_5000" else {}
                results.append(DRILLS[name](t, **extra))
                print(json.dumps(results[-1]), file=sys.stderr, flush=True)
        finally:
            t.close()
    totals = {
        "bids_lost": sum(r.get("lost", 0) for r in results),
        "bids_duplicated": sum(r.get("duplicated", 0) for r in results),
        "fenced_rows_appended": sum(r.get("fenced_rows_appended", 0) for r in results),
        "results_not_in_journal": sum(r.get("results_not_in_journal", 0) for r in results),
        "failover_s": next((r["failover_s"] for r in results if "failover_s" in r), None),
    }
    return {"drills": results, **totals}


# ---- the bench -------------------------------------------------------------------------------

def broker_figures(broker: Any, endpoints: list[tuple[str, int]], journal: str, work: Path, bids: int, flood: int,
                   online_bidders: int, fanout_qos: int) -> dict[str, float]:
    """./hall bench's broker figures (bench/__main__.py's own functions) through one broker; the
    online fan-out measured with bench/crowd.py on both (bench/fanout.py's busy-polling processes
    starve a NATS node of the CPU its replicated consumers need), at `fanout_qos`: at QoS 1 each
    subscription is a replicated JetStream consumer, and 500 created at once here were partly
    refused (SUBACK 0x80)."""
    from bench.__main__ import BENCH_SALE, HALL as BENCH_HALL, SALE as BENCH_SALE_ID, arbiter_rate, bid_payload, bid_rtt, raw_qos1_rate, raw_rtt
    config = work / "bench.toml"
    config.write_text(BENCH_SALE.format(pin_hash=hash_pin(BENCH_PIN)))
    arbiter = start_arbiter("cloud", config, broker, journal, "--new")            # type: ignore[arg-type]
    try:
        settle(broker, ("alice", "bob"))
        auctioneer = Peer(broker, topics.HALL_RESULT.format(hall=BENCH_HALL))
        raw = raw_rtt(broker, bids)
        samples = bid_rtt(broker, auctioneer, bids)
        raw_rate = raw_qos1_rate(broker, flood)
        rate, accepted = arbiter_rate(broker, auctioneer, flood)
        bidder = Peer(broker, topics.BIDDER_RESULT.filter())

        def bid(index: int) -> tuple[int, float]:                 # above every flood bid: accepted
            topic, payload = bid_payload("throughput", flood + 1 + index)
            sent = time.monotonic()
            bidder.client.publish(topic, payload, qos=1)
            result = bidder.next(bid_id=f"throughput-{flood + 1 + index}")
            time.sleep(0.1)
            return result["seq"], sent

        spread = crowd_fanout(endpoints, topics.LOT_STATE.format(sale=BENCH_SALE_ID), online_bidders, fanout_qos, 20, bid)
        bidder.close()
        auctioneer.close()
    finally:
        stop_arbiter(arbiter)
    return {"raw_rtt_ms_p50": percentile(raw, 50), "raw_rtt_ms_p99": percentile(raw, 99),
            "bid_to_result_ms_p50": percentile(samples, 50), "bid_to_result_ms_p99": percentile(samples, 99),
            "raw_qos1_msgs_per_s": raw_rate, "arbiter_bids_per_s": rate, "arbiter_bids_accepted": accepted,
            "online_fanout_ms_p50": spread["fanout_ms_p50"], "online_fanout_ms_p99": spread["fanout_ms_p99"],
            "online_fanout_subscribe_all_s": spread["subscribe_all_s"]}


def settle(broker: Any, accounts: tuple[str, ...], timeout: float = 60) -> None:
    """Unlock the bench bidders once the arbiter's subscriptions exist (retried: see ClusterTopology.unlock)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            unlock(broker, accounts)
            return
        except queue.Empty:
            if time.monotonic() > deadline:
                raise


def bench(bids: int, flood: int, online_bidders: int, fanout_subscribers: int, fanout_qos: int = 0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hall-cluster-bench-") as tmp:
        work = Path(tmp)
        (work / "single").mkdir()
        (work / "cluster").mkdir()
        with Broker(work / "single" / "broker") as broker:
            single = broker_figures(broker, [(broker.host, broker.port)], str(work / "single" / "journal.sqlite3"), work / "single",
                                    bids, flood, online_bidders, fanout_qos)
        with Postgres() as pg, NatsCluster(work / "cluster" / "nats") as cluster:
            clustered = broker_figures(cluster.node(0), [(cluster.host, port) for port in cluster.ports], f"{pg.dsn}#bench",
                                       work / "cluster", bids, flood, online_bidders, fanout_qos)
    drills = drill(["arbiter_failover", "fanout_5000"], fanout_subscribers)        # the drill's fan-out is QoS 0
    ratios = {f"{name}_cluster_over_single": round(clustered[name] / single[name], 2) for name in single if single[name]}
    by_name = {r["drill"]: r for r in drills["drills"]}
    figures: dict[str, Any] = {
        "single": _rounded(single), "cluster": _rounded(clustered), "ratios": ratios,
        "fanout_5000_ms_p99": by_name["fanout_5000"]["fanout_5000_ms_p99"], "failover_s": drills["failover_s"],
        "bids_in_sequence": bids, "bids_in_flood": flood, "online_bidders": online_bidders, "fanout_subscribers": fanout_subscribers,
        "fanout_qos": fanout_qos,
    }
    figures["targets"] = {"failover_s <= 10": figures["failover_s"] is not None and figures["failover_s"] <= FAILOVER_TARGET_S,
                          "every flood bid accepted on both": single["arbiter_bids_accepted"] == clustered["arbiter_bids_accepted"] == flood,
                          "no bid lost or duplicated in the failover": drills["bids_lost"] == drills["bids_duplicated"] == 0}
    return figures


def _rounded(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall drill|bench --cluster", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("drill", "bench"))
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--only", nargs="+", choices=list(DRILLS), help="drills to run (default: all)")
    parser.add_argument("--bids", type=int, default=500, help="bench: bids in sequence for the latency figures")
    parser.add_argument("--flood", type=int, default=5_000, help="bench: bids published at once for the rate figures")
    parser.add_argument("--online-bidders", type=int, default=500, help="bench: subscribers of ./hall bench's fan-out figure")
    parser.add_argument("--fanout", type=int, default=5_000, help="subscribers of the cluster's fan-out drill")
    parser.add_argument("--fanout-qos", type=int, choices=(0, 1), default=0, help="bench: the fan-out subscribers' QoS")
    args = parser.parse_args(argv)
    if args.what == "drill":
        figures = drill(args.only, args.fanout)
        ok = figures["bids_lost"] == figures["bids_duplicated"] == figures["fenced_rows_appended"] == figures["results_not_in_journal"] == 0
        ok = ok and (figures["failover_s"] is None or figures["failover_s"] <= FAILOVER_TARGET_S)
    else:
        figures = bench(args.bids, args.flood, args.online_bidders, args.fanout, args.fanout_qos)
        ok = all(figures["targets"].values())
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
