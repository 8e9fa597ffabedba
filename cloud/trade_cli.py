"""./hall trade: a user of the exchange on the command line.

    ./hall trade --account A --password S buy|sell KIND QTY PRICE [--ioc | --fok | --until T]   a limit order
    ./hall trade ... cancel ORDER                   take an open order off the book
    ./hall trade ... amend ORDER QTY [--price P]    a new open quantity (and price); less at the same price keeps its place
    ./hall trade ... orders                         my open orders
    ./hall trade ... book KIND                      the book's best levels, the last trade and the reference price
    ./hall trade ... apply ISSUE QTY                apply for units of a new issue (the cost is held)
    ./hall trade ... accept CLOCK QTY [--price P]   stop a quantity clock at its price now (or at P)
PRICE is per unit in the house's currency as people write it (1000, 1,000.50). T is a UTC time
(2026-11-25T15:00) or milliseconds since the epoch. Trading commands send the trade PIN first: --pin,
else $HALL_PIN, else a prompt on a terminal. Exit status: 0 done, 1 refused (the answer says why), 2 no answer.
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
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from cloud.config import load
from cloud.desk import parse_amount
from shared import market as mk, messages, topics
from shared.money import format_amount
from shared.mqtt import connect_and_wait, make_client, secure

DONE, REFUSED, NO_ANSWER = 0, 1, 2
TRADING = ("buy", "sell", "cancel", "amend", "apply", "accept")


class NoAnswer(Exception):
    """Nothing came back in time (no broker, no arbiter)."""


class Refused(Exception):
    """Refused before anything was sent, with the reason for the person."""


def until_ms(text: str) -> int:
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise Refused(f"--until {text!r} is neither a UTC time (2026-11-25T15:00) nor milliseconds") from None
    return int((when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp() * 1000)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Session:
    """The user's MQTT connection: their answers, their open orders, public market data."""

    def __init__(self, args: argparse.Namespace, broker: Any):
        self.account = args.account
        self.inbox: queue.SimpleQueue[tuple[str, dict[str, Any]]] = queue.SimpleQueue()
        self.client = secure(make_client(f"trade-{args.account}-{uuid.uuid4().hex[:6]}"), args.account, args.password, broker.cafile)
        self.client.on_message = lambda c, u, m: self.inbox.put((m.topic, json.loads(m.payload) if m.payload else {}))
        try:
            connect_and_wait(self.client, broker.host, broker.port)
        except (ConnectionError, OSError) as refused:
            raise NoAnswer(str(refused)) from None

    def listen(self, *topic_names: str) -> None:
        self.client.subscribe([(name, 1) for name in topic_names])

    def wait(self, wanted: Any, timeout: float = 10.0) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                _, body = self.inbox.get(timeout=left)
            except queue.Empty:
                break
            if wanted(body):
                return body
        return None

    def send(self, topic: topics.Topic, message: messages.Message) -> None:
        self.client.publish(topic.format(account=self.account), messages.encode(message), qos=1).wait_for_publish(10)

    def unlock(self, pin: str) -> None:
        self.send(topics.BIDDER_PIN, messages.Pin(pin=pin))
        session = self.wait(lambda body: body.get("type") in ("session", "error"))
        if session is None:
            raise NoAnswer("no answer to the trade PIN within 10 s")
        if not session.get("unlocked"):
            raise Refused(f"PIN refused: {session['message']}")

    def ask(self, topic: topics.Topic, message: messages.Message, ref: str) -> dict[str, Any]:
        self.send(topic, message)
        answer = self.wait(lambda body: ref in (body.get("ref"),) and body.get("type") in ("order_result", "error"))
        if answer is None:
            raise NoAnswer("no answer from the arbiter within 10 s")
        return answer

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def message_for(args: argparse.Namespace, currency: str, session: Session) -> tuple[topics.Topic, messages.Message, str]:
    """The message a trading command sends, its topic and the ref its answer names."""
    price = lambda text: parse_amount(text, currency)  # noqa: E731
    if args.action in ("buy", "sell"):
        kind, quantity, limit = _operands(args, 3, "KIND QTY PRICE")
        tif = "ioc" if args.ioc else "fok" if args.fok else "gtd" if args.until else "gtc"
        order_id = new_id("o")
        return topics.BIDDER_ORDER, mk.Order(order_id=order_id, kind=kind, side=args.action, quantity=_count(quantity),
                                             price=price(limit), currency=currency, tif=tif,
                                             until_ms=until_ms(args.until) if args.until else None), order_id
    if args.action == "cancel":
        (order_id,) = _operands(args, 1, "ORDER")
        return topics.BIDDER_CANCEL, mk.CancelOrder(order_id=order_id), order_id
    if args.action == "amend":
        order_id, quantity = _operands(args, 2, "ORDER QTY")
        amend_id = new_id("o")
        return topics.BIDDER_AMEND, mk.AmendOrder(amend_id=amend_id, order_id=order_id, quantity=_count(quantity),
                                                  price=price(args.price) if args.price else None), amend_id
    if args.action == "apply":
        issue, quantity = _operands(args, 2, "ISSUE QTY")
        application_id = new_id("a")
        return topics.BIDDER_APPLY, mk.IssueApplication(application_id=application_id, issue_id=issue,
                                                        quantity=_count(quantity)), application_id
    clock_id, quantity = _operands(args, 2, "CLOCK QTY")
    named = price(args.price) if args.price else clock_now(session, clock_id)
    accept_id = new_id("k")
    return topics.BIDDER_CLOCK, mk.ClockAccept(accept_id=accept_id, clock_id=clock_id, quantity=_count(quantity),
                                               price=named), accept_id


def clock_now(session: Session, clock_id: str) -> int:
    """The clock's price now by the formula every screen shows, from its retained state."""
    session.listen(topics.MARKET_CLOCK.format(clock=clock_id))
    state = session.wait(lambda body: body.get("type") == "clock_state" and body.get("clock_id") == clock_id, 3.0)
    if state is None:
        raise NoAnswer(f"no clock {clock_id} is published")
    if state["status"] != "running":
        raise Refused(f"clock {clock_id} is {state['status']}")
    return mk.clock_price_now(state, time.time_ns() // 1_000_000)


def _operands(args: argparse.Namespace, count: int, names: str) -> list[str]:
    if len(args.operands) != count:
        raise Refused(f"{args.action} needs {names}")
    return args.operands


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise Refused(f"{text!r} is not a whole number of units")
    return int(text)


def render(answer: dict[str, Any]) -> tuple[str, int]:
    if answer.get("type") == "error":
        return f"refused ({answer['code']}): {answer['message']}", REFUSED
    if answer["status"] != "ok":
        return f"refused ({answer['code']}): {answer['message']}", REFUSED
    return f"ok: {answer['message']}", DONE


def show_orders(session: Session) -> tuple[str, int]:
    """Every open order is retained on its own topic: collect what the broker hands over at once."""
    session.listen(f"{topics.ROOT}/arbiter/user/{session.account}/orders/+")
    orders = []
    while (held := session.wait(lambda body: body.get("type") == "open_order", 1.0)) is not None:
        orders.append(held)
    orders.sort(key=lambda o: o["seq"])
    lines = [f"  {o['order_id']:<16} {o['side']:<4} {o['remaining']:>6} of {o['quantity']:<6} {o['kind']} at {o['price']:,} "
             f"({o['tif']}, {o['status']})" for o in orders]
    return "\n".join([f"open orders of {session.account}:", *(lines or ["  none"])]), DONE


def show_book(session: Session, kind: str) -> tuple[str, int]:
    session.listen(topics.MARKET_DEPTH.format(kind=kind))
    depth = session.wait(lambda body: body.get("type") == "depth" and body.get("kind") == kind, 2.0)
    if depth is None:
        return f"no orders have rested on {kind}'s book", DONE
    money = lambda amount: format_amount(amount, depth["currency"]) if amount is not None else "-"  # noqa: E731
    asks = [f"  sell {l['quantity']:>8} at {money(l['price'])} ({l['orders']} orders)" for l in reversed(depth["asks"])]
    bids = [f"  buy  {l['quantity']:>8} at {money(l['price'])} ({l['orders']} orders)" for l in depth["bids"]]
    opens, closes = depth.get("opens_minute"), depth.get("closes_minute")
    hours = "" if opens is None else f", trades {opens // 60:02d}:{opens % 60:02d}-{closes // 60:02d}:{closes % 60:02d} UTC"
    head = (f"{kind} ({depth['status']} as of seq {depth['seq']}{hours}): last {money(depth['last_price'])}, "
            f"reference {money(depth['reference'])}")
    return "\n".join([head, *asks, "  --", *bids]), DONE


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hall trade", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=(*TRADING, "orders", "book"))
    p.add_argument("operands", nargs="*")
    p.add_argument("--account", required=True)
    p.add_argument("--password", default=os.environ.get("HALL_PASSWORD", ""))
    p.add_argument("--pin", default=os.environ.get("HALL_PIN", ""))
    tif = p.add_mutually_exclusive_group()
    tif.add_argument("--ioc", action="store_true", help="immediate or cancel")
    tif.add_argument("--fok", action="store_true", help="fill or kill")
    tif.add_argument("--until", help="good until this time")
    p.add_argument("--price", help="amend: the new price; accept: the price to accept")
    p.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--cafile", default="")
    return p


def run(args: argparse.Namespace) -> tuple[str, int]:
    config = load(args.config)
    broker = replace(config.broker, host=args.host or config.broker.host, port=args.port or config.broker.port,
                     cafile=args.cafile or config.broker.cafile)
    session = Session(args, broker)
    try:
        if args.action == "orders":
            return show_orders(session)
        if args.action == "book":
            return show_book(session, _operands(args, 1, "KIND")[0])
        session.listen(topics.BIDDER_RESULT.format(account=args.account))
        topic, message, ref = message_for(args, config.sale.currency, session)
        messages.decode(messages.encode(message), type(message))      # the protocol's field rules, before sending
        session.unlock(args.pin or _ask_pin())
        return render(session.ask(topic, message, ref))
    finally:
        session.close()


def _ask_pin() -> str:
    if not sys.stdin.isatty():
        raise Refused("a trade PIN is needed: give --pin or set $HALL_PIN (there is no terminal to ask on)")
    return getpass.getpass("trade PIN: ")


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        text, code = run(args)
    except (Refused, messages.ProtocolError, ValueError) as refused:
        print(f"refused: {refused}", file=sys.stderr)
        sys.exit(REFUSED)
    except NoAnswer as silent:
        print(silent, file=sys.stderr)
        sys.exit(NO_ANSWER)
    print(text)
    sys.exit(code)


if __name__ == "__main__":
    main()
