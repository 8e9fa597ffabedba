"""The auctioneer's keyboard: one key, one command (listed on the auctioneer's screen). Pure."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COMMAND_KEYS: dict[str, tuple[str, dict[str, Any]]] = {
    "o": ("open_lot", {}), "f": ("fair_warning", {}), "h": ("hammer", {}), "p": ("pass", {}),
    "r": ("reopen", {}), "b": ("retract", {}), "l": ("lift_reserve", {}),
    "[": ("set_increment", {"factor": "half"}), "]": ("set_increment", {"factor": "double"}),
    "\\": ("set_increment", {"factor": "ladder"}),
}
LIGHT_GRAMS, HARD_GRAMS = 1_200, 7_000


@dataclass(frozen=True)
class Command:
    action: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class PressPaddle:
    paddle: int
    grams: int


def key_to_action(key: str, shift: bool, paddles: list[int], paused: bool) -> Command | PressPaddle | None:
    """What a key does; digits press the n-th paddle (simulated hall only), Shift presses hard."""
    if key == "z":
        return Command("resume" if paused else "pause", {})
    if key in COMMAND_KEYS:
        action, fields = COMMAND_KEYS[key]
        return Command(action, dict(fields))
    if key.isdigit() and 1 <= int(key) <= len(paddles):
        return PressPaddle(paddles[int(key) - 1], HARD_GRAMS if shift else LIGHT_GRAMS)
    return None
