"""The house's side of accounts, shared by the account desk (./hall account) and the page's
registration form: one MQTT client logged in as `house`, and registration done in a safe order.

Registration order matters: the arbiter decides first (a taken or reserved account is refused),
and only then is the bidder's login stored and the avatar published, so a refused registration can
never overwrite someone's password or picture. The login is stored hashed (by mosquitto_passwd) in
a pending file beside the broker's password file, never in it: an anonymous visitor gets no broker
login until the house approves the account, and at most MAX_PENDING logins wait at once. Approval
moves the hashed line into the password file (then the broker reloads); declining drops it.
"""
from __future__ import annotations

import fcntl
import json
import queue
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloud.identity.rules import ACCOUNT_RE, ACCOUNT_RULE
from cloud.pins import hash_pin
from shared import messages, topics
from shared.avatars import avatar_ref, check_avatar
from shared.config import BrokerConfig
from shared.mqtt import connect_and_wait, make_client, secure

MIN_PASSWORD = 8
MAX_PENDING = 200                     # logins awaiting the house's approval


class DeskError(ValueError):
    """A registration refused before it reached the arbiter, with the reason for the person."""


class HouseDesk:
    """An MQTT client as the `house` login: account commands in, the arbiter's answers back."""

    def __init__(self, broker: BrokerConfig, password: str = "", username: str = "house"):
        self.answers: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self.client = secure(make_client(f"house-{uuid.uuid4().hex[:6]}"), username, password, broker.cafile)
        self.client.on_message = lambda c, u, m: self.answers.put(json.loads(m.payload))
        connect_and_wait(self.client, broker.host, broker.port)
        self.client.subscribe(topics.HOUSE_RESULT.format(), 1)

    def send(self, command: messages.Message, timeout: float = 10.0, topic: topics.Topic = topics.HOUSE_ACCOUNT) -> dict[str, Any]:
        """The arbiter's answer to a command of the house's (accounts, or the ledger and custody desks'
        on their topics): `command_result`, `error` or a report; TimeoutError if none comes."""
        self.client.publish(topic.format(), messages.encode(command), qos=1).wait_for_publish(timeout)
        try:
            while (answer := self.answers.get(timeout=timeout)).get("command_id", answer.get("ref")) != command.command_id:
                pass
        except queue.Empty:
            raise TimeoutError("no answer from the arbiter within 10 s") from None
        return answer

    def publish_avatar(self, account: str, image: bytes) -> None:
        self.client.publish(topics.HOUSE_AVATAR.format(account=account), image, qos=1, retain=True).wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def checked_pin(pin: str) -> str:
    """The PIN if the protocol's rule takes it (4 to 8 digits); ProtocolError saying why otherwise."""
    return messages.decode(messages.encode(messages.Pin(pin=pin)), messages.Pin).pin


def command(action: str, account: str, **fields: Any) -> messages.AccountCommand:
    return messages.AccountCommand(command_id=f"house-{uuid.uuid4().hex[:12]}", action=action, account=account, **fields)


@dataclass(frozen=True)
class Registration:
    account: str
    handle: str
    pin: str
    login_password: str = ""          # with a password file: the bidder's broker login
    avatar: bytes | None = None


def checked_account(account: str) -> str:
    """The identity domain's rule, checked before anything is hashed or sent."""
    if not ACCOUNT_RE.fullmatch(account):
        raise DeskError(f"'{account[:80]}' cannot be an account: {ACCOUNT_RULE}")
    if not topics.is_bidder_login(account):
        raise DeskError(f"'{account}' is a role's login")
    return account


def register(desk: HouseDesk, form: Registration, password_file: str = "", max_pending: int = MAX_PENDING) -> dict[str, Any]:
    """Check everything, let the arbiter decide, then store the login (pending) and publish the avatar."""
    try:
        body = command("register", checked_account(form.account), handle=form.handle,
                       avatar=avatar_ref(form.account, check_avatar(form.avatar)) if form.avatar else None,
                       pin_hash=hash_pin(checked_pin(form.pin)))
        messages.decode(messages.encode(body), messages.AccountCommand)          # the protocol's own field rules
    except (messages.ProtocolError, ValueError) as refused:
        raise DeskError(str(refused)) from None
    if password_file:
        if len(form.login_password) < MIN_PASSWORD:
            raise DeskError(f"the password must have at least {MIN_PASSWORD} characters")
        if len(pending_logins(password_file)) >= max_pending:
            raise DeskError(f"{max_pending} registrations already await the house's approval: try again later")
    answer = desk.send(body)
    if answer.get("status") == "ok":
        if password_file:
            with _locked(password_file):
                _passwd(pending_file(password_file), form.account, form.login_password)
        if form.avatar:
            desk.publish_avatar(form.account, form.avatar)
    return answer


def approve(desk: HouseDesk, account: str, fields: dict[str, Any], password_file: str = "",
            reload_broker: Callable[[], None] | None = None) -> dict[str, Any]:
    """The arbiter approves; then the account's pending login joins the broker's password file."""
    answer = desk.send(command("approve", account, **fields))
    if answer.get("status") == "ok" and password_file and _take_pending(password_file, account, into_passwords=True) and reload_broker:
        reload_broker()
    return answer


def decline(desk: HouseDesk, account: str, password_file: str = "") -> dict[str, Any]:
    """The arbiter declines; the account's pending login is dropped."""
    answer = desk.send(command("decline", account))
    if answer.get("status") == "ok" and password_file:
        _take_pending(password_file, account, into_passwords=False)
    return answer


def pending_file(password_file: str) -> Path:
    return Path(f"{password_file}.pending")


def pending_logins(password_file: str) -> dict[str, str]:
    """Account -> its hashed password line, for the logins awaiting approval."""
    path = pending_file(password_file)
    lines = path.read_text().splitlines() if path.exists() else []
    return {line.split(":", 1)[0]: line for line in lines if ":" in line}


def _take_pending(password_file: str, account: str, into_passwords: bool) -> bool:
    """Move (or drop) an account's pending login; False if it had none."""
    with _locked(password_file):
        pending = pending_logins(password_file)
        line = pending.pop(account, None)
        if line is None:
            return False
        if into_passwords:
            passwords = Path(password_file)
            kept = [old for old in passwords.read_text().splitlines() if old.split(":", 1)[0] != account] if passwords.exists() else []
            passwords.write_text("".join(f"{entry}\n" for entry in [*kept, line]))
        pending_file(password_file).write_text("".join(f"{entry}\n" for entry in pending.values()))
        return True


@contextmanager
def _locked(password_file: str) -> Iterator[None]:
    """One writer at a time across processes (the page server's threads and ./hall account)."""
    with open(f"{password_file}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _passwd(path: Path, account: str, password: str) -> None:
    """Add a bidder's login to a Mosquitto password file, hashed by mosquitto_passwd itself."""
    if not path.exists():
        path.touch(mode=0o600)
    subprocess.run(["mosquitto_passwd", "-b", str(path), account, password], check=True, capture_output=True)
