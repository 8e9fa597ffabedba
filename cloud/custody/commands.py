"""Commands into custody from the house desk (`house/custody`): core values (wire.py translates)."""
from __future__ import annotations

from dataclasses import dataclass

from shared.backoffice import KindSpec


@dataclass(frozen=True)
class AddCategory:
    """A category beside spec 001's four (banknotes, medals, ...)."""
    command_id: str
    category: str
    label: str


@dataclass(frozen=True)
class DefineKind:
    command_id: str
    spec: KindSpec                # the catalog's own record of a kind, as the desk sent it


@dataclass(frozen=True)
class DepositItem:
    command_id: str
    item: str
    account: str                  # the depositor
    kind: str
    quantity: int = 1
    grader: str | None = None     # a slabbed item: grader and certificate number, both
    certificate: str | None = None


@dataclass(frozen=True)
class WithdrawItem:
    """An item shipped out to `account`, whose units of its kind it takes."""
    command_id: str
    item: str
    account: str
    shipping_reference: str


CustodyCommand = AddCategory | DefineKind | DepositItem | WithdrawItem
