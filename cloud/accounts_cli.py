"""./hall account: the house's account desk (registration, approval, limits, PINs, avatars).

    ./hall account hash-pin                                   print a scrypt hash for [[bidders]] pin_hash
    ./hall account register ACCOUNT --handle H [--avatar FILE] [--password-file F --login-password P]
    ./hall account approve ACCOUNT [--limit 5000] [--password-file F]   (limit in whole currency units)
    ./hall account decline ACCOUNT [--password-file F]
    ./hall account set-limit ACCOUNT --limit N
    ./hall account set-pin ACCOUNT
Connects as the `house` user (its password from $HALL_HOUSE_PASSWORD, --cafile for TLS). PINs are
read from $HALL_NEW_PIN or asked without echo, hashed here, and only the hash is sent. `register`
checks the avatar (PNG/JPEG, size, decodes) and, once the arbiter accepted, publishes it retained for
hall boxes and pages and, with --password-file, stores the bidder's broker login as pending (hashed):
`approve` with --password-file moves it into the password file and runs [web] reload_command (the
broker then lets the bidder in), `decline` drops it. --password-file defaults to [web] password_file.
"""
from __future__ import annotations

import argparse
import getpass
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from cloud.config import load
from cloud.house import DeskError, HouseDesk, Registration, approve, checked_pin, command, decline, register
from cloud.pins import hash_pin
from shared import messages
from shared.money import major


def new_pin() -> str:
    return checked_pin(os.environ.get("HALL_NEW_PIN") or getpass.getpass("new trade PIN (4-8 digits): "))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall account", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("hash-pin", "register", "approve", "decline", "set-limit", "set-pin"))
    parser.add_argument("account", nargs="?")
    parser.add_argument("--handle")
    parser.add_argument("--avatar", help="PNG or JPEG file")
    parser.add_argument("--limit", type=int, help="spending limit, whole currency units")
    parser.add_argument("--login-password", default="", help="the bidder's broker password (with --password-file)")
    parser.add_argument("--password-file", help="Mosquitto password file for bidders' logins (default: [web] password_file)")
    parser.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--cafile", default="")
    args = parser.parse_args(argv)
    try:
        if args.action == "hash-pin":
            print(hash_pin(new_pin()))
            return
        if not args.account:
            parser.error("this action needs an ACCOUNT")
        config = load(args.config)
        broker = replace(config.broker, host=args.host or config.broker.host, port=args.port or config.broker.port,
                         cafile=args.cafile or config.broker.cafile)
        if args.password_file is None:
            args.password_file = config.web.password_file
        reload_broker = (lambda: subprocess.run(shlex.split(config.web.reload_command), check=True)) if config.web.reload_command else None
        answer = run(args, HouseDesk(broker, os.environ.get("HALL_HOUSE_PASSWORD", "")), config.sale.currency, reload_broker)
    except (messages.ProtocolError, DeskError, OSError, subprocess.CalledProcessError) as refused:
        print(f"refused: {refused}", file=sys.stderr)
        sys.exit(1)
    except (ConnectionError, TimeoutError) as silent:
        print(silent, file=sys.stderr)
        sys.exit(2)
    print(f"{answer['status']}: {answer['message']}")
    sys.exit(0 if answer["status"] == "ok" else 1)


def run(args: argparse.Namespace, desk: HouseDesk, currency: str, reload_broker: Callable[[], None] | None = None) -> dict[str, Any]:
    try:
        if args.action == "register":
            avatar = Path(args.avatar).read_bytes() if args.avatar else None
            form = Registration(args.account, args.handle or args.account, new_pin(), args.login_password, avatar)
            return register(desk, form, args.password_file)
        fields: dict[str, Any] = {"pin_hash": hash_pin(new_pin())} if args.action == "set-pin" else {}
        if args.limit is not None:
            fields["limit"] = major(args.limit, currency)
        if args.action == "approve":
            return approve(desk, args.account, fields, args.password_file, reload_broker)
        if args.action == "decline":
            return decline(desk, args.account, args.password_file)
        return desk.send(command(args.action.replace("-", "_"), args.account, **fields))
    finally:
        desk.close()


if __name__ == "__main__":
    main()
