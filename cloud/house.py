"""The house's side of accounts, shared by the account desk (./hall account) and the page's
registration form: one MQTT client logged in as `house`, and registration done in a safe order.

Registration order matters: the arbiter decides first (a taken or reserved account is refused),
and only then is the bidder's broker login written and the avatar published, so a refused
registration can never overwrite someone's password or picture.
"""
from __future__ import annotations

import json
import queue
import subprocess
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cloud.pins import hash_pin
from shared import messages, topics
from shared.avatars import avatar_ref, check_avatar
from shared.config import BrokerConfig
from shared.mqtt import connect_and_wait, make_client, secure

MIN_PASSWORD = 8
_PASSWORD_FILE = threading.Lock()     # the page server registers on several threads: one writer at a time


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


def register(desk: HouseDesk, form: Registration, password_file: str = "",
             reload_broker: Callable[[], None] | None = None) -> dict[str, Any]:
    """Check everything, let the arbiter decide, then write the login and publish the avatar."""
    try:
        body = command("register", form.account, handle=form.handle,
                       avatar=avatar_ref(form.account, check_avatar(form.avatar)) if form.avatar else None,
                       pin_hash=hash_pin(checked_pin(form.pin)))
        messages.decode(messages.encode(body), messages.AccountCommand)          # the protocol's own field rules
    except (messages.ProtocolError, ValueError) as refused:
        raise DeskError(str(refused)) from None
    if password_file and len(form.login_password) < MIN_PASSWORD:
        raise DeskError(f"the password must have at least {MIN_PASSWORD} characters")
    answer = desk.send(body)
    if answer.get("status") == "ok":
        if password_file:
            with _PASSWORD_FILE:
                add_login(password_file, form.account, form.login_password)
                if reload_broker:
                    reload_broker()
        if form.avatar:
            desk.publish_avatar(form.account, form.avatar)
    return answer


def add_login(password_file: str, account: str, password: str) -> None:
    """A bidder's broker login, hashed by mosquitto_passwd itself (never a role's: see is_bidder_login)."""
    if not topics.is_bidder_login(account):
        raise DeskError(f"'{account}' is a role's login")
    subprocess.run(["mosquitto_passwd", "-b", password_file, account, password], check=True, capture_output=True)
