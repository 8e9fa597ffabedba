"""Every decoder a stranger (or a careless hand) reaches, as a fuzz target: bytes in, and out only
the result or the refusal the decoder documents. Anything else raised is a crash: a real bug.

Inputs are framed so a corpus file stays readable: text fields are split on newlines and decoded
with `surrogateescape`, so any byte string is a valid input and junk bytes become lone surrogates,
exactly what a hostile JSON `"\\ud800"` produces on the wire.
"""
from __future__ import annotations

import json
import resource
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cloud.config import ConfigError, load
from cloud.house import DeskError, Registration, register
from cloud.transports.mqtt import inbound
from shared import messages
from shared.avatars import AvatarError, check_avatar

BOMB_GROWTH_MIB = 64              # an accepted avatar decodes to at most 1024 x 1024 x 4 bytes = 4 MiB


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def mqtt_inbound(data: bytes) -> None:
    """`topic\\npayload`: the arbiter's transport must answer or ignore, never raise; a reply is JSON."""
    topic, _, payload = data.partition(b"\n")
    command, reply = inbound(_text(topic), payload)
    if reply is not None:
        assert command is None, "a message was both refused and turned into a command"
        assert json.loads(reply.payload.decode("utf-8"))["type"] == "error"


class RecordingDesk:
    """The house's desk as the arbiter would answer it: every registration is taken (a fake, so
    the form's checks run without a broker)."""

    def __init__(self) -> None:
        self.sent: list[messages.AccountCommand] = []
        self.avatars: dict[str, bytes] = {}

    def send(self, command: messages.AccountCommand, timeout: float = 10.0) -> dict[str, Any]:
        self.sent.append(command)
        return {"type": "command_result", "command_id": command.command_id, "status": "ok", "code": "OK", "message": "registered"}

    def publish_avatar(self, account: str, image: bytes) -> None:
        self.avatars[account] = image


def register_form(data: bytes) -> None:
    """`account\\nhandle\\npin\\npassword\\navatar bytes`: registered (the command the protocol accepts)
    or refused with DeskError."""
    account, handle, pin, password, avatar = (data.split(b"\n", 4) + [b""] * 5)[:5]
    desk = RecordingDesk()
    try:
        register(desk, Registration(_text(account), _text(handle), _text(pin), _text(password), avatar or None))  # type: ignore[arg-type]
    except DeskError:
        assert not desk.sent, "a refused registration still reached the arbiter"
        return
    (sent,) = desk.sent
    assert messages.decode(messages.encode(sent), messages.AccountCommand) == sent


def avatar(data: bytes) -> None:
    """Image bytes: "png" or "jpg", or AvatarError; never a decode that takes a bomb's memory."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        assert check_avatar(data) in ("png", "jpg")
    except AvatarError:
        pass
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < BOMB_GROWTH_MIB, f"checking {len(data)} bytes grew the process by {grown_mib:.0f} MiB (a decompression bomb)"


_CONFIG = Path(tempfile.mkdtemp(prefix="hall-fuzz-config-")) / "sale.toml"


def toml_config(data: bytes) -> None:
    """A TOML file: a Config, or ConfigError naming what is wrong."""
    _CONFIG.write_bytes(data)
    try:
        load(_CONFIG)
    except ConfigError:
        pass


TARGETS: dict[str, Callable[[bytes], None]] = {
    "mqtt_inbound": mqtt_inbound, "register_form": register_form, "avatar": avatar, "toml_config": toml_config,
}
CORPUS = Path(__file__).resolve().parent / "corpus"
