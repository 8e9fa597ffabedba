"""./hall ledger and ./hall custody: the house desk for funds, the catalog and custody.

    ./hall ledger deposit ACCOUNT AMOUNT --reference BANK-REF [--currency HKD]   money the bank shows in
    ./hall ledger payout ACCOUNT AMOUNT --reference PAYOUT-REF                   money the house paid out
    ./hall ledger approve ACCOUNT REQUEST --reference PAYOUT-REF                 pay a user's payout request
    ./hall ledger decline ACCOUNT REQUEST --reason TEXT                          release it
    ./hall ledger reverse TRANSFER --reason TEXT                                 a correction
    ./hall ledger statement ACCOUNT | balances ACCOUNT | notices ACCOUNT | trial-balance
    ./hall custody category CATEGORY --label TEXT
    ./hall custody define KIND --category C --name TEXT --grade MS-65 --year 1988 [--scale sheldon|stamp]
                          [--quantity MINTAGE] [--issuer ..] [--denomination ..] [--material ..]
                          [--weight-mg N] [--ref KM:63 ...] [--image URL ...] [--description ..]
    ./hall custody deposit ITEM --account A --kind K [--units N] [--grader PCGS --certificate 41234567]
    ./hall custody withdraw ITEM --account A --shipping-reference REF
AMOUNT is in the currency's units as people write it (1500, 1,500.50). Connects as the `house` user
(password from $HALL_HOUSE_PASSWORD, --cafile for TLS). Prints what a person reads; exits 0 on success,
1 when refused (or when the trial balance does not balance), 2 when no answer comes.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import uuid
from dataclasses import replace
from typing import Any, NoReturn

from cloud.config import Config, load
from cloud.custody.wire import catalog_command, custody_command
from cloud.house import HouseDesk
from cloud.ledger.accounts import quantity
from cloud.ledger.wire import ledger_command
from shared import backoffice as bo, messages, topics
from shared.money import MINOR_DIGITS
from shared.times import utc_text

LEDGER_ACTIONS = ("deposit", "payout", "approve", "decline", "reverse", "statement", "balances", "notices", "trial-balance")
CUSTODY_ACTIONS = ("category", "define", "deposit", "withdraw")


def parse_amount(text: str, currency: str) -> int:
    """'1,500.50' HKD -> 150050 minor units; never through a float. ValueError if it is not an amount."""
    digits = MINOR_DIGITS[currency]
    found = re.fullmatch(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?", text.strip())
    if not found or len(found.group(2) or "") > digits:
        places = f"at most {digits} decimal places" if digits else "no decimal places"
        raise ValueError(f"'{text}' is not an amount in {currency} (digits, {places})")
    whole, fraction = found.group(1).replace(",", ""), (found.group(2) or "").ljust(digits, "0")
    return int(whole) * 10**digits + int(fraction or 0)


def command_id() -> str:
    return f"desk-{uuid.uuid4().hex[:12]}"


def ledger_message(args: argparse.Namespace, currency: str) -> messages.Message:
    if args.action in ("statement", "balances", "notices", "trial-balance"):
        return bo.LedgerQuery(command_id=command_id(), report=args.action.replace("-", "_"), account=args.target)
    if args.action in ("deposit", "payout"):
        return bo.LedgerCommand(command_id=command_id(), action=args.action, account=args.target,
                                amount=parse_amount(args.value, currency), currency=currency, reference=args.reference)
    if args.action == "reverse":
        return bo.LedgerCommand(command_id=command_id(), action="reverse", transfer_id=args.target, reason=args.reason)
    return bo.LedgerCommand(command_id=command_id(), action=f"{args.action}_payout", account=args.target,
                            request_id=args.value, reference=args.reference, reason=args.reason)


def custody_message(args: argparse.Namespace) -> messages.Message:
    if args.action == "category":
        return bo.CatalogCommand(command_id=command_id(), action="add_category", category=args.target, label=args.label)
    if args.action == "define":
        refs = tuple(_reference(ref) for ref in args.ref)
        spec = bo.KindSpec(kind=args.target, category=args.category, name=args.name,
                           grade=bo.Grade(args.scale, args.grade), issue_year=args.year, issue_quantity=args.quantity,
                           description=args.description, issuer=args.issuer, denomination=args.denomination,
                           material=args.material, weight_mg=args.weight_mg, references=refs, images=tuple(args.image))
        return bo.CatalogCommand(command_id=command_id(), action="define_kind", kind=spec)
    return bo.CustodyCommand(command_id=command_id(), action=args.action, item=args.target, account=args.account,
                             kind=args.kind, quantity=args.units, grader=args.grader, certificate=args.certificate,
                             shipping_reference=args.shipping_reference)


def _reference(text: str) -> bo.CatalogueRef:
    catalogue, colon, number = text.partition(":")
    if not colon:
        raise ValueError(f"--ref {text!r} must be CATALOGUE:NUMBER, e.g. KM:63")
    return bo.CatalogueRef(catalogue, number)


def checked(message: messages.Message) -> messages.Message:
    """The message as the arbiter will read it: the protocol's field rules and what its action needs,
    here, before anything is sent."""
    read = messages.decode(messages.encode(message), type(message))
    translate = {bo.LedgerCommand: ledger_command, bo.CatalogCommand: catalog_command, bo.CustodyCommand: custody_command}
    if type(read) in translate:
        translate[type(read)](read)
    return read


def render(answer: dict[str, Any]) -> tuple[str, int]:
    """What a person reads, and the exit code: 0 done, 1 refused or the books do not balance."""
    kind = answer.get("type")
    if kind == "command_result":
        ok = answer["status"] == "ok"
        return (f"ok: {answer['message']}" if ok else f"refused ({answer['code']}): {answer['message']}"), 0 if ok else 1
    if kind == "error":
        return f"refused ({answer['code']}): {answer['message']}", 1
    balances = [f"  {b['account']}: {quantity(b['balance'], b['ledger'])} (held {quantity(b['held'], b['ledger'])}, "
                f"available {quantity(b['available'], b['ledger'])})" for b in answer.get("balances", ())]
    if kind == "holdings":
        return "\n".join([f"{answer['account']} holds:", *(balances or ["  nothing"])]), 0
    if kind == "notices":
        lines = [f"  seq {n.get('seq')}  {n['kind']}: {n['text']}" for n in answer["notices"]]
        return "\n".join([f"notices of {answer['account']}:", *(lines or ["  none"])]), 0
    if kind == "statement":
        lines = [f"  {utc_text(l['at_ms'])}  {l['phase']:<7} {quantity(l['amount'], l['ledger']):>22}  "
                 f"balance {quantity(l['balance'], l['ledger'])}, available {quantity(l['available'], l['ledger'])}  "
                 f"{l['transfer_id']} {l.get('reference', '')}".rstrip() for l in answer["lines"]]
        return "\n".join([f"statement of {answer['account']} (as of seq {answer['seq']}):", *(lines or ["  no transfers"]),
                          "balances:", *(balances or ["  nothing"])]), 0
    if kind == "trial_balance":
        lines = [f"  {l['account']:<40} debits {l['debits_posted']:>16,} credits {l['credits_posted']:>16,}"
                 f"  pending {l['debits_pending']:,}/{l['credits_pending']:,}" for l in answer["lines"]]
        totals = [f"  {t['ledger']:<20} debits {t['debits_posted']:>16,} credits {t['credits_posted']:>16,}  "
                  f"pending {t['debits_pending']:,}/{t['credits_pending']:,}  {'balanced' if t['balanced'] else 'NOT BALANCED'}"
                  for t in answer["totals"]]
        verdict = "the books balance" if answer["balanced"] else "THE BOOKS DO NOT BALANCE"
        return "\n".join([f"trial balance (as of seq {answer['seq']}):", *lines, "per ledger:", *totals, verdict]), \
            0 if answer["balanced"] else 1
    return f"unexpected answer: {answer}", 1


def parser(desk: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"hall {desk}", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=LEDGER_ACTIONS if desk == "ledger" else CUSTODY_ACTIONS)
    p.add_argument("target", nargs="?", help="ACCOUNT, TRANSFER, CATEGORY, KIND or ITEM")
    p.add_argument("value", nargs="?", help="AMOUNT or REQUEST")
    for flag in ("--reference", "--reason", "--account", "--kind", "--grader", "--certificate", "--shipping-reference",
                 "--label", "--category", "--name", "--grade", "--issuer", "--denomination", "--material"):
        p.add_argument(flag)
    p.add_argument("--description", default="")
    p.add_argument("--scale", choices=bo.GRADE_SCALES, default="sheldon")
    p.add_argument("--currency", help="default: the sale's currency in the config")
    p.add_argument("--units", type=int, default=1, help="units of the kind in this item (a bundle); 1 for a slab")
    for flag in ("--year", "--quantity", "--weight-mg"):
        p.add_argument(flag, type=int)
    p.add_argument("--ref", action="append", default=[], help="CATALOGUE:NUMBER, e.g. KM:63 (repeat)")
    p.add_argument("--image", action="append", default=[])
    p.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--cafile", default="")
    return p


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("ledger", "custody"):
        print("usage: python -m cloud.desk ledger|custody ACTION ...", file=sys.stderr)
        sys.exit(2)
    desk = argv[0]
    p = parser(desk)
    args = p.parse_args(argv[1:])
    if args.target is None and args.action != "trial-balance":
        p.error(f"{args.action} needs its {'ACCOUNT' if desk == 'ledger' else 'ITEM, KIND or CATEGORY'}")
    config = load(args.config)
    try:
        message = checked(ledger_message(args, args.currency or config.sale.currency) if desk == "ledger" else custody_message(args))
    except (messages.ProtocolError, ValueError) as refused:
        print(f"refused: {refused}", file=sys.stderr)
        sys.exit(1)
    deliver(config, args, message, topics.HOUSE_LEDGER if desk == "ledger" else topics.HOUSE_CUSTODY)


def deliver(config: Config, args: argparse.Namespace, message: messages.Message, topic: topics.Topic) -> NoReturn:
    """Send a desk's message as the house (--host/--port/--cafile over the config's broker), print the
    answer for a person, and exit: 0 done, 1 refused, 2 no answer."""
    broker = replace(config.broker, host=args.host or config.broker.host, port=args.port or config.broker.port,
                     cafile=args.cafile or config.broker.cafile)
    try:
        house = HouseDesk(broker, os.environ.get("HALL_HOUSE_PASSWORD", ""))
        try:
            answer = house.send(message, topic=topic)
        finally:
            house.close()
    except (ConnectionError, TimeoutError, OSError) as silent:
        print(silent, file=sys.stderr)
        sys.exit(2)
    text, code = render(answer)
    print(text)
    sys.exit(code)


if __name__ == "__main__":
    main()
