"""Identity's commands: core values, never wire messages (the transport translates)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SetPresence:
    account: str
    online: bool


@dataclass(frozen=True)
class CheckPin:
    """The shell checked a trade PIN against `pin_hash`, the hash the engine gave it: only the outcome
    and that hash enter the core, so a PIN changed meanwhile cannot be unlocked by the old one."""
    account: str
    ok: bool
    pin_hash: str


@dataclass(frozen=True)
class ManageAccount:
    command_id: str
    action: str                   # register | approve | decline | set_limit | set_pin
    account: str
    handle: str | None = None
    avatar: str | None = None
    pin_hash: str | None = None
    limit: int | None = None
