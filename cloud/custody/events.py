"""Custody's events (past tense); the ledger's transfers and notices travel beside them in one batch."""
from __future__ import annotations

from dataclasses import dataclass

from cloud.ledger.answers import Answer
from shared.backoffice import KindSpec


@dataclass(frozen=True)
class CategoryAdded:
    category: str
    label: str


@dataclass(frozen=True)
class KindDefined:
    spec: KindSpec


@dataclass(frozen=True)
class Item:
    """One physical item in custody: `quantity` units of `kind` (1 for a slabbed piece)."""
    item: str
    kind: str
    quantity: int
    depositor: str
    ts: int
    grader: str | None = None
    certificate: str | None = None


@dataclass(frozen=True)
class ItemDeposited:
    item: Item


@dataclass(frozen=True)
class ItemWithdrawn:
    item: str
    account: str                  # the holder whose units it took
    shipping_reference: str
    ts: int


@dataclass(frozen=True)
class CustodyAnswered(Answer):
    pass


@dataclass(frozen=True)
class CustodyAnsweredAgain:
    key: str
