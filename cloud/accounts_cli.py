"""./hall account: the house's account desk (registration, approval, limits, PINs, avatars).

    ./hall account hash-pin                                   print a scrypt hash for [[bidders]] pin_hash
    ./hall account register ACCOUNT --handle H [--avatar FILE] [--password-file F --password P]
    ./hall account approve ACCOUNT [--limit 5000]             (whole currency units)
    ./hall account decline ACCOUNT
    ./hall account set-limit ACCOUNT --limit N
    ./hall account set-pin ACCOUNT
Connects as the `house` user (--user/--password-env, --cafile for TLS). PINs are read from
$HALL_NEW_PIN or asked without echo, hashed here, and only the hash is sent. `register` checks the
avatar (PNG/JPEG, size, decodes), publishes it retained for hall boxes and pages, and with
--password-file adds the bidder's broker login (reload the broker afterwards).
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import queue
import subprocess
import sys
import uuid
from pathlib import Path

from cloud.config import load
from cloud.pins import hash_pin
from shared import messages, topics
from shared.avatars import AvatarError, avatar_ref, check_avatar
from shared.money import major
from shared.mqtt import connect_and_wait, make_client, secure


def new_pin() -> str:
    pin = os.environ.get("HALL_NEW_PIN") or getpass.getpass("new trade PIN (4-8 digits): ")
    messages.decode(messages.encode(messages.Pin(pin=pin)), messages.Pin)      # the protocol's own rule
    return pin


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall account", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("hash-pin", "register", "approve", "decline", "set-limit", "set-pin"))
    parser.add_argument("account", nargs="?")
    parser.add_argument("--handle")
    parser.add_argument("--avatar", help="PNG or JPEG file")
    parser.add_argument("--limit", type=int, help="spending limit, whole currency units")
    parser.add_argument("--login-password", help="the bidder's broker password (with --password-file)")
    parser.add_argument("--password-file", help="Mosquitto password file to add the bidder's login to")
    parser.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--user", default="house")
    parser.add_argument("--password-env", default="HALL_HOUSE_PASSWORD", help="environment variable holding the house password")
    parser.add_argument("--cafile", default="")
    args = parser.parse_args(argv)
    try:
        if args.action == "hash-pin":
            print(hash_pin(new_pin()))
            return
        if not args.account:
            parser.error("this action needs an ACCOUNT")
        config = load(args.config)
        command = account_command(args, config.sale.currency)
    except (messages.ProtocolError, AvatarError, OSError, subprocess.CalledProcessError) as refused:
        print(f"refused: {refused}", file=sys.stderr)
        sys.exit(1)
    answer = send(args, config.broker.host, config.broker.port, command)
    print(f"{answer['status']}: {answer['message']}")
    sys.exit(0 if answer["status"] == "ok" else 1)


def account_command(args: argparse.Namespace, currency: str) -> tuple[messages.AccountCommand, bytes | None]:
    """The command to send (and the avatar bytes to publish), every input checked first."""
    fields: dict[str, object] = {}
    image = None
    if args.action == "register":
        if args.avatar:
            image = Path(args.avatar).read_bytes()
            fields["avatar"] = avatar_ref(args.account, check_avatar(image))
        if args.password_file:
            if not args.login_password:
                raise OSError("--password-file needs --login-password")
            subprocess.run(["mosquitto_passwd", "-b", args.password_file, args.account, args.login_password], check=True, capture_output=True)
        fields |= {"handle": args.handle or args.account, "pin_hash": hash_pin(new_pin())}
    elif args.action == "set-pin":
        fields["pin_hash"] = hash_pin(new_pin())
    if args.limit is not None:
        fields["limit"] = major(args.limit, currency)
    command = messages.AccountCommand(command_id=f"house-{uuid.uuid4().hex[:12]}", action=args.action.replace("-", "_"),
                                      account=args.account, **fields)  # type: ignore[arg-type]
    return command, image


def send(args: argparse.Namespace, host: str, port: int, command: tuple[messages.AccountCommand, bytes | None]) -> dict:
    body, image = command
    inbox: queue.SimpleQueue[dict] = queue.SimpleQueue()
    client = secure(make_client(f"house-{uuid.uuid4().hex[:6]}"), args.user, os.environ.get(args.password_env, ""), args.cafile)
    client.on_message = lambda c, u, m: inbox.put(json.loads(m.payload))
    try:
        connect_and_wait(client, args.host or host, args.port or port)
    except ConnectionError as refused:
        print(refused, file=sys.stderr)
        sys.exit(2)
    client.subscribe(topics.HOUSE_RESULT.format(), 1)
    client.publish(topics.HOUSE_ACCOUNT.format(), messages.encode(body), qos=1).wait_for_publish(10)
    try:
        while (answer := inbox.get(timeout=10)).get("command_id", answer.get("ref")) != body.command_id:
            pass
    except queue.Empty:
        print("no answer from the arbiter within 10 s", file=sys.stderr)
        sys.exit(2)
    if image is not None and answer.get("status") == "ok":      # never overwrite an avatar for a refused registration
        client.publish(topics.HOUSE_AVATAR.format(account=body.account), image, qos=1, retain=True).wait_for_publish(10)
    client.disconnect()
    return answer


if __name__ == "__main__":
    main()
