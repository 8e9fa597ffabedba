"""Custody's state and `apply`, the only code that changes it."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import singledispatch
from typing import Any

from cloud.custody import events as ev
from shared.backoffice import KindSpec

SPEC_001_CATEGORIES = {
    "coloured_commemorative": "Coloured gold and silver commemorative coins",
    "precious_metal_coins": "Plain gold and silver coins",
    "withdrawn_circulating": "Circulating coins withdrawn from circulation",
    "stamps": "Stamps",
}
SCALE_OF_CATEGORY = {"coloured_commemorative": "sheldon", "precious_metal_coins": "sheldon",
                     "withdrawn_circulating": "sheldon", "stamps": "stamp"}   # categories the house adds: any scale


@dataclass
class CustodyState:
    categories: dict[str, str] = field(default_factory=lambda: dict(SPEC_001_CATEGORIES))
    kinds: dict[str, KindSpec] = field(default_factory=dict)
    items: dict[str, ev.Item] = field(default_factory=dict)                   # every item ever deposited
    withdrawn: dict[str, ev.ItemWithdrawn] = field(default_factory=dict)
    certificates: dict[str, str] = field(default_factory=dict)                # "grader/certificate" -> item held
    answers: dict[str, ev.CustodyAnswered] = field(default_factory=dict)


def certificate_key(grader: str, certificate: str) -> str:
    return f"{grader.strip().upper()}/{certificate.strip()}"


@singledispatch
def apply(event: Any, state: CustodyState) -> None:
    raise TypeError(f"custody does not apply {type(event).__name__}")


@apply.register
def _(event: ev.CategoryAdded, state: CustodyState) -> None:
    state.categories[event.category] = event.label


@apply.register
def _(event: ev.KindDefined, state: CustodyState) -> None:
    state.kinds[event.spec.kind] = event.spec


@apply.register
def _(event: ev.ItemDeposited, state: CustodyState) -> None:
    item = event.item
    state.items[item.item] = item
    if item.grader and item.certificate:
        state.certificates[certificate_key(item.grader, item.certificate)] = item.item


@apply.register
def _(event: ev.ItemWithdrawn, state: CustodyState) -> None:
    state.withdrawn[event.item] = event
    item = state.items[event.item]
    if item.grader and item.certificate:
        del state.certificates[certificate_key(item.grader, item.certificate)]


@apply.register
def _(event: ev.CustodyAnswered, state: CustodyState) -> None:
    state.answers[event.key] = event


@apply.register
def _(event: ev.CustodyAnsweredAgain, state: CustodyState) -> None:
    """The same command again: nothing changes (its answer is sent again)."""
