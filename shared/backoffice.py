"""The back office's wire schemas: the house desk's ledger, catalog and custody commands, a user's
payout request, and what the arbiter answers (statements, holdings, the trial balance).

Built on shared.messages' Message, check, encode and decode, under the same rules (strict fields,
integers only). Importing this module registers its types with `messages.decode`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from shared import messages
from shared.messages import Message, _amount, _currency, _ident, _one_of, _range, _text, check

PLAIN_ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")          # kinds, items, categories: topic- and account-name-safe
TRANSFER_ID_RE = re.compile(r"[A-Za-z0-9_.:/-]{1,160}")      # derived from command ids: "house:c-17:0"
SHELDON_PREFIXES = ("PO", "FR", "AG", "G", "VG", "F", "VF", "XF", "EF", "AU", "MS", "PR", "PF", "SP")
STAMP_GRADES = ("S", "XF-S", "XF", "VF-XF", "VF", "F-VF", "F", "VG", "G", "P")   # centering and condition, best first
GRADE_SCALES = ("sheldon", "stamp")
LEDGER_ACTIONS = ("deposit", "payout", "approve_payout", "decline_payout", "reverse")
LEDGER_REPORTS = ("statement", "balances", "trial_balance", "notices")
CATALOG_ACTIONS = ("define_kind", "add_category")
CUSTODY_ACTIONS = ("deposit", "withdraw")


def _plain_id(value: str) -> str | None:
    return None if PLAIN_ID_RE.fullmatch(value) else "must be 1-64 characters of letters, digits, '_', '.' or '-'"


def _transfer_id(value: str) -> str | None:
    return None if TRANSFER_ID_RE.fullmatch(value) else "must be a transfer id as statements show it"


def _words(limit: int):
    """Non-empty text of at most `limit` characters (a reference, a name)."""
    too_long = _text(limit)
    return lambda value: "must not be empty" if not value.strip() else too_long(value)


def _each(rule):
    return lambda values: next((f"item {i} {c}" for i, v in enumerate(values) if (c := rule(v))), None)


def grade_complaint(scale: str, value: str) -> str | None:
    """Why `value` is not a grade on `scale` ("MS-65" on Sheldon's 1-70, "VF" on the stamp scale)."""
    if scale == "stamp":
        return None if value in STAMP_GRADES else f"is not a stamp grade (one of {', '.join(STAMP_GRADES)})"
    found = re.fullmatch(r"([A-Z]{1,2})-?(\d{1,2})", value)
    if not found or found.group(1) not in SHELDON_PREFIXES or not 1 <= int(found.group(2)) <= 70:
        return "is not a Sheldon grade (a prefix such as MS, AU or VF and a number from 1 to 70, e.g. MS-65)"
    return None


# ---- the catalog ------------------------------------------------------------------------------

@dataclass(frozen=True)
class CatalogueRef:
    """A publisher's catalogue number (KM, Numista, Scott, SG, Michel, the issuer's own): a reference, never a key."""
    catalogue: str = check(_words(40))
    number: str = check(_words(40))


@dataclass(frozen=True)
class Grade:
    scale: str = check(_one_of(*GRADE_SCALES))
    value: str = check(_words(8))


@dataclass(frozen=True)
class KindSpec:
    """What trades as interchangeable units: a catalogue type, one issue of it, one grade."""
    kind: str = check(_plain_id)
    category: str = check(_plain_id)
    name: str = check(_words(120))
    grade: Grade
    issue_year: int = check(_range(-1000, 9999))
    issue_quantity: int | None = check(_range(1, 10**12), None)     # mintage or print run, when known
    description: str = check(_text(1000), "")
    issuer: str = check(_text(80), "")                              # issuing authority or country
    denomination: str = check(_text(40), "")
    material: str = check(_text(40), "")
    weight_mg: int | None = check(_range(1, 10**8), None)
    references: tuple[CatalogueRef, ...] = ()
    images: tuple[str, ...] = check(_each(_words(200)), ())


@dataclass(frozen=True)
class CatalogCommand(Message):
    """The house defines a kind, or adds a category to spec 001's four."""
    TYPE: ClassVar[str] = "catalog_command"
    command_id: str = check(_ident)
    action: str = check(_one_of(*CATALOG_ACTIONS))
    kind: KindSpec | None = None
    category: str | None = check(_plain_id, None)
    label: str | None = check(_words(80), None)


@dataclass(frozen=True)
class CustodyCommand(Message):
    """A physical item into the house's custody (its units credited to the depositor), or shipped out."""
    TYPE: ClassVar[str] = "custody_command"
    command_id: str = check(_ident)
    action: str = check(_one_of(*CUSTODY_ACTIONS))
    item: str = check(_plain_id)
    account: str = check(_plain_id)                 # the depositor, or the holder it ships to
    kind: str | None = check(_plain_id, None)
    quantity: int = check(_range(1, 10**9), 1)
    grader: str | None = check(_words(40), None)    # a slabbed item: grader and certificate, both
    certificate: str | None = check(_words(40), None)
    shipping_reference: str | None = check(_words(80), None)


# ---- funds ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerCommand(Message):
    """The house desk: a deposit its bank shows, a payout it made, a user's payout approved or
    declined, a transfer reversed. Which fields are needed depends on `action`."""
    TYPE: ClassVar[str] = "ledger_command"
    command_id: str = check(_ident)
    action: str = check(_one_of(*LEDGER_ACTIONS))
    account: str | None = check(_plain_id, None)
    amount: int | None = check(_amount, None)
    currency: str | None = check(_currency, None)
    reference: str | None = check(_words(80), None)     # the bank's or the payout's reference
    request_id: str | None = check(_ident, None)         # approve_payout, decline_payout
    transfer_id: str | None = check(_transfer_id, None)  # reverse
    reason: str | None = check(_words(200), None)


@dataclass(frozen=True)
class LedgerQuery(Message):
    TYPE: ClassVar[str] = "ledger_query"
    command_id: str = check(_ident)
    report: str = check(_one_of(*LEDGER_REPORTS))
    account: str | None = check(_plain_id, None)


@dataclass(frozen=True)
class PayoutRequest(Message):
    """A user asks to be paid out: the amount is held at once, and paid when the house approves."""
    TYPE: ClassVar[str] = "payout_request"
    request_id: str = check(_ident)
    amount: int = check(_amount)
    currency: str = check(_currency)


# ---- outbound ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Balance:
    """One account of a user: posted balance, held (pending debits), available = balance - held."""
    account: str
    ledger: str                   # a currency, or "units:<kind>"
    balance: int
    held: int
    available: int


@dataclass(frozen=True)
class StatementLine:
    transfer_id: str
    at_ms: int
    account: str
    ledger: str
    amount: int                   # signed: + into the account, - out of it
    phase: str                    # posted | pending | post | void
    balance: int                  # posted balance after this line
    available: int                # balance minus holds after this line
    reference: str = ""


@dataclass(frozen=True)
class Statement(Message):
    TYPE: ClassVar[str] = "statement"
    account: str
    lines: tuple[StatementLine, ...]
    balances: tuple[Balance, ...]
    seq: int
    command_id: str | None = None


@dataclass(frozen=True)
class Holdings(Message):
    TYPE: ClassVar[str] = "holdings"
    account: str
    balances: tuple[Balance, ...]
    seq: int
    command_id: str | None = None


@dataclass(frozen=True)
class TrialLine:
    account: str
    ledger: str
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int


@dataclass(frozen=True)
class LedgerTotal:
    ledger: str
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int
    balanced: bool


@dataclass(frozen=True)
class TrialBalance(Message):
    """Every account, and per ledger Σ debits against Σ credits (posted and pending)."""
    TYPE: ClassVar[str] = "trial_balance"
    lines: tuple[TrialLine, ...]
    totals: tuple[LedgerTotal, ...]
    balanced: bool
    seq: int
    command_id: str | None = None


@dataclass(frozen=True)
class Notices(Message):
    """A user's kept notices (funds, custody, orders), the latest last."""
    TYPE: ClassVar[str] = "notices"
    account: str
    notices: tuple[messages.Notice, ...]
    seq: int
    command_id: str | None = None


messages.TYPES.update({cls.TYPE: cls for cls in (CatalogCommand, CustodyCommand, LedgerCommand, LedgerQuery, PayoutRequest,
                                                 Statement, Holdings, TrialBalance, Notices)})
