"""./hall auctioneer ACTION [options]: run the sale from a terminal or a script.

Each call publishes one command to the arbiter as the hall and prints the arbiter's answer; the
exit status is 0 when it was done and 1 when it was refused. Amounts are whole currency units.
    ./hall auctioneer open_lot [--lot 3]      ./hall auctioneer set_asking --amount 1050
    ./hall auctioneer set_increment --factor half|double|ladder   (or --amount 25)
    ./hall auctioneer fair_warning | hammer | pass | reopen | retract | pause | resume | lift_reserve
    ./hall auctioneer floor_bid --paddle 12 [--amount 1200]       ./hall auctioneer message --text "..."
"""
from __future__ import annotations

import argparse
import json
import queue
import sys
import uuid
from dataclasses import replace
from typing import Any

from edge.config import load
from shared import messages, topics
from shared.messages import ACTIONS, encode
from shared.money import major
from shared.config import BrokerConfig
from shared.mqtt import connect_and_wait, make_client, secure


def run_command(broker: BrokerConfig, hall: str, command: messages.Command, timeout: float = 10.0) -> dict[str, Any]:
    answers: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
    client = secure(make_client(), broker.username, broker.password, broker.cafile)
    client.on_message = lambda c, u, m: answers.put(json.loads(m.payload))
    connect_and_wait(client, broker.host, broker.port)
    try:
        client.subscribe(topics.HALL_RESULT.format(hall=hall), 1)
        client.publish(topics.HALL_COMMAND.format(hall=hall), encode(command), qos=1).wait_for_publish(timeout)
        while True:
            answer = answers.get(timeout=timeout)
            if answer.get("command_id") == command.command_id:
                return answer
    finally:
        client.disconnect()
        client.loop_stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall auctioneer", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--lot")
    parser.add_argument("--amount", type=int, help="whole currency units")
    parser.add_argument("--factor", choices=("half", "double", "ladder"))
    parser.add_argument("--paddle", type=int)
    parser.add_argument("--name")
    parser.add_argument("--account")
    parser.add_argument("--order", dest="order_id")
    parser.add_argument("--text")
    parser.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    parser.add_argument("--port", type=int, help="override broker.port")
    args = parser.parse_args(argv)
    config = load(args.config)
    fields = {k: v for k, v in vars(args).items() if k in ("lot", "factor", "paddle", "name", "account", "order_id", "text") and v is not None}
    if args.amount is not None:
        fields["amount"] = major(args.amount, config.sale.currency)
    command = messages.Command(command_id=f"cli-{uuid.uuid4().hex[:12]}", action=args.action, **fields)
    try:
        broker = replace(config.broker, port=args.port) if args.port else config.broker
        answer = run_command(broker, config.sale.hall, command)
    except (OSError, queue.Empty) as exc:
        print(f"no answer from the arbiter: {exc or 'timed out'}", file=sys.stderr)
        sys.exit(2)
    print(f"{answer['status']}: {answer['message']}")
    sys.exit(0 if answer["status"] == "ok" else 1)


if __name__ == "__main__":
    main()
