"""./hall orders: the house desk for orders after the hammer.

    ./hall orders list                                  the orders still to settle (the arbiter's retained list)
    ./hall orders pay ORDER [--reference BANK-REF]      from the buyer's funds, or the buyer's bank payment
    ./hall orders release ORDER [--how TEXT]            delivered or collected: the consignor is paid
    ./hall orders cancel ORDER [--reason TEXT]          unpaid: holds released, the default fee past the
                                                        due date, the lot offered again
Connects as the `house` user (password from $HALL_HOUSE_PASSWORD, --cafile for TLS). Prints what a
person reads; exits 0 on success, 1 when refused, 2 when no answer comes.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import sys
from dataclasses import replace
from typing import Any

from cloud.config import load
from cloud.desk import command_id, deliver
from cloud.house import HouseDesk
from shared import messages, topics
from shared.money import format_amount
from shared.orders import OrderCommand
from shared.times import utc_text

LIST_WAIT_S = 3.0                 # the retained list arrives at once if the house has ever published one


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hall orders", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=("list", "pay", "release", "cancel"))
    p.add_argument("order", nargs="?", help="ORDER, as the invoice shows it")
    p.add_argument("--reference", help="pay: the buyer's bank payment reference (without it: from the buyer's funds)")
    p.add_argument("--how", help="release: how it was delivered or collected")
    p.add_argument("--reason", help="cancel: recorded and told to the buyer")
    p.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--cafile", default="")
    return p


def render_open(orders: dict[str, Any]) -> str:
    """The open orders as a person reads them, oldest first."""
    lines = [f"{orders['open']} open order{'s' if orders['open'] != 1 else ''} (as of seq {orders['seq']}):"]
    for o in orders["orders"]:
        money = format_amount(o["total"], o["currency"])
        state = ("paid, in escrow" + (f"; released by {utc_text(o['release_at_ms'])}" if o.get("release_at_ms") else "")
                 if o["status"] == "paid" else f"awaiting payment{' (funds held)' if o['held'] else ''}, due {utc_text(o['due_at_ms'])}")
        lines.append(f"  {o['order_id']}  lot {o['lot']} {o['title']}  buyer {o['buyer']}  {money}  {state}  "
                     f"consignor {o.get('consignor') or 'the house'}")
    if len(orders["orders"]) < orders["open"]:
        lines.append(f"  ... and {orders['open'] - len(orders['orders'])} more")
    return "\n".join(lines)


def read_open_orders(desk: HouseDesk, wait_s: float = LIST_WAIT_S) -> dict[str, Any] | None:
    """The arbiter's retained list of open orders; None if it never published one."""
    received: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
    desk.client.message_callback_add(topics.OPEN_ORDERS.format(), lambda c, u, m: received.put(json.loads(m.payload)))
    desk.client.subscribe(topics.OPEN_ORDERS.format(), 1)
    try:
        return received.get(timeout=wait_s)
    except queue.Empty:
        return None


def main(argv: list[str] | None = None) -> None:
    p = parser()
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    config = load(args.config)
    broker = replace(config.broker, host=args.host or config.broker.host, port=args.port or config.broker.port,
                     cafile=args.cafile or config.broker.cafile)
    if args.action == "list":
        try:
            desk = HouseDesk(broker, os.environ.get("HALL_HOUSE_PASSWORD", ""))
        except (ConnectionError, TimeoutError, OSError) as silent:
            print(silent, file=sys.stderr)
            sys.exit(2)
        try:
            found = read_open_orders(desk)
        finally:
            desk.close()
        print(render_open(found) if found else "no open orders: the house has sold nothing yet")
        sys.exit(0)
    if args.order is None:
        p.error(f"{args.action} needs the ORDER")
    try:
        message = messages.decode(messages.encode(OrderCommand(
            command_id=command_id(), action=args.action, order_id=args.order, reference=args.reference,
            reason=args.how if args.action == "release" else args.reason)), OrderCommand)
    except messages.ProtocolError as refused:
        print(f"refused: {refused}", file=sys.stderr)
        sys.exit(1)
    deliver(config, args, message, topics.HOUSE_ORDERS)


if __name__ == "__main__":
    main()
