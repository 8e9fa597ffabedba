"""./hall bid: a remote bidder's command line, for scripts and power users.

    ./hall bid --account alice --password S --pin 1234 [--cafile ca.crt] --lot 1 --asking   bid the asking price now
    ./hall bid ... --lot 1 --amount 1200                                            bid a named amount
    ./hall bid ... --lot 1 --max 2500                                               leave a maximum
    ./hall bid ... --watch                                                          follow the lot and my results
Amounts are whole currency units. The trade PIN comes from --pin, else $HALL_PIN, else a prompt
(only on a terminal). --asking on a Dutch lot bids the clock's price now, by the arbiter's clock.
Exit status: 0 accepted, 1 refused (the answer says why), 2 no answer (no broker, no arbiter, no
lot state), 3 a trade PIN is needed and there is no terminal to ask for it.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import queue
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from shared import messages, topics
from shared.config import DEFAULT_FILE, read
from shared.dutch import arbiter_now_ms, price_now
from shared.messages import encode
from shared.money import format_amount, major
from shared.mqtt import connect_and_wait, make_client, secure


ACCEPTED, REFUSED, NO_ANSWER, PIN_NEEDED = 0, 1, 2, 3
Inbox = queue.SimpleQueue[tuple[str, dict[str, Any], float]]     # topic, body, when it arrived (monotonic s)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall bid", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--account", required=True)
    parser.add_argument("--password", default="")
    parser.add_argument("--pin", default=os.environ.get("HALL_PIN", ""), help="trade PIN (default $HALL_PIN, else asked)")
    parser.add_argument("--cafile", default="", help="the broker's CA: connect with TLS")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--sale", help="sale id (default: the demo config's)")
    parser.add_argument("--lot")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--asking", action="store_true", help="bid the asking price as the lot shows it now")
    what.add_argument("--amount", type=int)
    what.add_argument("--max", type=int, dest="maximum")
    parser.add_argument("--watch", action="store_true")
    args = parser.parse_args(argv)
    pin = args.pin or (None if args.watch else ask_pin())
    sale = args.sale or read(DEFAULT_FILE)[1]["sale"]["id"]
    inbox: Inbox = queue.SimpleQueue()
    client = secure(make_client(f"bidder-{args.account}-{uuid.uuid4().hex[:6]}"), args.account, args.password, args.cafile)
    client.on_message = lambda c, u, m: inbox.put((m.topic, json.loads(m.payload), time.monotonic()))
    try:
        connect_and_wait(client, args.host, args.port)
    except ConnectionError as refused:
        print(refused, file=sys.stderr)
        sys.exit(NO_ANSWER)
    client.subscribe([(topics.LOT_STATE.format(sale=sale), 1), (topics.BIDDER_RESULT.format(account=args.account), 1)])
    lot, lot_arrived = first(inbox, lambda body: body.get("type") == "lot_state", 3.0)
    if args.watch:
        watch(inbox, lot)
        return
    if lot is None:
        print("no lot state yet: is the sale running?", file=sys.stderr)
        sys.exit(NO_ANSWER)
    client.publish(topics.BIDDER_PIN.format(account=args.account), encode(messages.Pin(pin=pin)), qos=1)
    session, _ = first(inbox, lambda body: body.get("type") in ("session", "error"), 10.0)
    if session is None or not session.get("unlocked"):
        print(f"PIN refused: {session['message']}" if session else "no answer to the PIN within 10 s", file=sys.stderr)
        sys.exit(REFUSED if session else NO_ANSWER)
    lot_id, currency = args.lot or lot["lot"], lot["currency"]
    bid_id = f"cli-{uuid.uuid4().hex[:12]}"
    if args.maximum is not None:
        body: messages.Message = messages.MaxBid(bid_id=bid_id, lot=lot_id, amount=major(args.maximum, currency), currency=currency)
        topic = topics.BIDDER_MAX.format(account=args.account)
    else:
        amount = asking_now(lot, lot_arrived) if args.asking or args.amount is None else major(args.amount, currency)
        if amount is None:
            print(f"lot {lot['lot']} takes no bid now ({lot['status']})", file=sys.stderr)
            sys.exit(REFUSED)
        body, topic = messages.Bid(bid_id=bid_id, lot=lot_id, amount=amount, currency=currency), topics.BIDDER_BID.format(account=args.account)
    client.publish(topic, encode(body), qos=1).wait_for_publish(10)
    answer, _ = first(inbox, lambda body: bid_id in (body.get("bid_id"), body.get("ref")), 10.0)
    if answer is None:
        print("no answer from the arbiter within 10 s", file=sys.stderr)
        sys.exit(NO_ANSWER)
    print(f"{answer.get('status', answer.get('type'))}: {answer['message']}")
    sys.exit(ACCEPTED if answer.get("status") == "accepted" else REFUSED)


def ask_pin() -> str:
    """The trade PIN typed on the terminal; without one (a script, a pipe) say what is missing."""
    if not sys.stdin.isatty():
        print("a trade PIN is needed: give --pin or set $HALL_PIN (there is no terminal to ask on)", file=sys.stderr)
        sys.exit(PIN_NEEDED)
    return getpass.getpass("trade PIN: ")


def asking_now(lot: dict[str, Any], arrived: float) -> int | None:
    """The price to bid now: on a running Dutch clock its price by the arbiter's clock, never the
    stale `asking` the (retained) state was published with."""
    state = messages.decode(json.dumps(lot).encode(), messages.LotState, limit=1 << 20)
    since_ms = int((time.monotonic() - arrived) * 1000)
    return price_now(state, arbiter_now_ms(state.at_ms, since_ms, time.time_ns() // 1_000_000))


def first(inbox: Inbox, wanted: Callable[[dict[str, Any]], bool], timeout: float) -> tuple[dict[str, Any] | None, float]:
    """The first message `wanted` accepts within `timeout` seconds and when it arrived, or (None, 0)."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            _, body, arrived = inbox.get(timeout=left)
        except queue.Empty:
            break
        if wanted(body):
            return body, arrived
    return None, 0.0


def watch(inbox: Inbox, lot: dict[str, Any] | None) -> None:
    while True:
        if lot is not None and lot.get("type") == "lot_state":
            money = lambda m: format_amount(m, lot["currency"]) if m is not None else "-"  # noqa: E731
            leader = (lot.get("leader") or {}).get("label", "nobody")
            print(f"lot {lot['lot']} {lot['status']}: {money(lot.get('current_bid'))} by {leader}, asking {money(lot.get('asking'))}", flush=True)
        elif lot is not None:
            print(f"you: {lot.get('status', lot.get('type'))}: {lot.get('message')}", flush=True)
        _, lot, _ = inbox.get()


if __name__ == "__main__":
    main()
