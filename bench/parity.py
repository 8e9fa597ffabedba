"""The parity rule, measured (docs/parity.md): pairs of a paddle press and an online bid made at the
same instant for the same asking price, through the arbiter with the bump (bench/arbiter.py).

  hall_win_share_simultaneous  of the decided pairs, the share the room won (first sequenced wins)
  online_bid_to_result_ms_p99  an online bid's publish -> its answer, the bump included
  pair_skew_ms_p50             the online publish less the press's switch closing (0: simultaneous)
Each pair: a light press (tier 0, the asking price) is started; as its switch closes (15 ms of
travel later) the online bid for the same asking price is published. A pair counts when one of the
two got that price: the room wins it when its bid at the asking price was accepted, online when its
bid was (a hall box that heard of the online bid before deciding bids the next price: the room lost
that one). Pairs are made until `count` have counted, at most twice as many. The pair's bidders are never the current leader (paddles 11-13 and alice/bob take turns).
"""
from __future__ import annotations

import queue
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.clients import Peer, command, percentile, start_arbiter, stop_arbiter, unlock
from bench.hall import hall_box
from cloud.broker import Broker
from edge.hallbox import HallBox
from shared import messages, topics
from shared.messages import encode

PADDLES = (11, 12, 13)
TRAVEL_MS = 15


def figures(work: Path, config: Path, sale: str, hall: str, lot: str, count: int, parity_ms: int) -> dict[str, Any]:
    """On a broker of its own, an arbiter with the bump (a new house from `config`) and a hall box."""
    with Broker(work / "parity-broker") as broker:
        arbiter = start_arbiter("bench.arbiter", config, broker, work / "parity-journal.sqlite3", "--parity-ms", str(parity_ms))
        try:
            unlock(broker, ("alice", "bob"))
            auctioneer = Peer(broker, topics.HALL_RESULT.format(hall=hall))
            command(auctioneer, hall, "open_lot", lot=lot)
            measured = pairs(broker, work, sale, lot, count)
            auctioneer.close()
        finally:
            stop_arbiter(arbiter)
    return measured


def pairs(broker: Broker, work: Path, sale: str, lot: str, count: int) -> dict[str, Any]:
    online = Peer(broker, topics.BIDDER_RESULT.filter())
    room_won = decided = unanswered = 0
    void: Counter[str] = Counter()              # pairs that did not count, by what happened
    to_result, skew = [], []
    try:
        with hall_box(broker, work / "parity-hall.sqlite3", sale) as (box, _, wire):
            for index in range(2 * count):
                if decided == count:
                    break
                asking, paddle, account = _turn(box, index)
                closed = len(box.simulator.edges[paddle])
                box.simulator.press(paddle, 1_000, 60, travel_ms=TRAVEL_MS)
                while len(box.simulator.edges[paddle]) == closed:     # the switch closes after the travel
                    time.sleep(0.0001)
                bid = messages.Bid(bid_id=f"pair-{index}", lot=lot, amount=asking, currency="HKD")
                published = time.monotonic()
                online.client.publish(topics.BIDDER_BID.format(account=account), encode(bid), qos=1)
                try:
                    online_won = online.next(bid_id=bid.bid_id)["status"] == "accepted"
                    to_result.append((time.monotonic() - published) * 1000)
                    _, hall_bid = wire.next(type="bid", paddle=paddle)
                    _, hall_result = wire.next(type="bid_result", bid_id=hall_bid["bid_id"])
                except queue.Empty:                  # not answered in 10 s (a starved machine): not a pair
                    unanswered += 1
                    _settled(box, asking)
                    continue
                skew.append((published - box.simulator.edges[paddle][-1]) * 1000)
                hall_won = hall_bid["amount"] == asking and hall_result["status"] == "accepted"
                if hall_won or online_won:               # the asking price went to one of them
                    decided += 1
                    room_won += hall_won
                else:
                    void[f"hall {hall_bid['amount'] - asking:+} of asking, {hall_result['status']}; online {'accepted' if online_won else 'refused'}"] += 1
                _settled(box, asking)
    finally:
        online.close()
    return {"hall_win_share_simultaneous": room_won / max(1, decided), "simultaneous_pairs": decided, "pairs_unanswered": unanswered, "pairs_void": dict(void),
            "online_bid_to_result_ms_p99": percentile(to_result, 99), "pair_skew_ms_p50": percentile(skew, 50)}


def _turn(box: HallBox, index: int) -> tuple[int, int, str]:
    """The asking price as the hall box sees it, and a paddle and an account that are not leading."""
    lot = box.state.lot
    if lot is None or lot.asking is None:
        raise RuntimeError("the bench lot is not open: the hall box has no asking price")
    leader = lot.leader
    paddle = next(p for p in PADDLES[index % 3:] + PADDLES[:index % 3]
                  if not (leader and leader.paddle == p) and not box.simulator.held(p))
    account = "bob" if leader and leader.handle == "alice" else "alice"
    return lot.asking, paddle, account


def _settled(box: HallBox, asking: int) -> None:
    """Until the hall box holds the lot state after this pair (the next pair's price) and every hand is off."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (box.state.lot is None or box.state.lot.asking == asking
                                           or any(box.simulator.held(p) for p in PADDLES)):
        time.sleep(0.005)
    time.sleep(0.05)
