"""The house desk's order steps after the hammer (`house/orders`) and the open orders it reads back
(`arbiter/house/orders`, retained). Importing this module registers its types with `messages.decode`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from shared import messages
from shared.messages import Message, _ident, _one_of, _text, check

ORDER_ACTIONS = ("pay", "release", "cancel")
ORDER_ID_RE = re.compile(r"[A-Za-z0-9_.:-]{1,160}")      # "{sale}-{lot}-{seq}"
OPEN_ORDERS_LISTED = 500                                  # the oldest first; `open` counts them all


def _order_id(value: str) -> str | None:
    return None if ORDER_ID_RE.fullmatch(value) else "must be an order id as the invoice shows it"


def _words(limit: int):
    too_long = _text(limit)
    return lambda value: "must not be empty" if not value.strip() else too_long(value)


@dataclass(frozen=True)
class OrderCommand(Message):
    """pay: from the buyer's funds, or with `reference` the buyer's bank payment; release: delivered
    or collected (`reason` says how); cancel: unpaid, with `reason` recorded and told to the buyer."""
    TYPE: ClassVar[str] = "order_command"
    command_id: str = check(_ident)
    action: str = check(_one_of(*ORDER_ACTIONS))
    order_id: str = check(_order_id)
    reference: str | None = check(_words(80), None)
    reason: str | None = check(_words(200), None)


@dataclass(frozen=True)
class OrderLine:
    order_id: str
    sale: str
    lot: str
    title: str
    buyer: str                    # as the invoice names them
    account: str | None           # the buyer's account, if any
    consignor: str | None         # None: the house's own lot
    currency: str
    hammer: int
    total: int
    status: str                   # pending | paid
    held: bool                    # pending with the buyer's funds held for it
    due_at_ms: int
    release_at_ms: int | None = None


@dataclass(frozen=True)
class OpenOrders(Message):
    """Every order not yet released or cancelled, oldest first."""
    TYPE: ClassVar[str] = "open_orders"
    orders: tuple[OrderLine, ...]
    open: int
    seq: int


messages.TYPES.update({cls.TYPE: cls for cls in (OrderCommand, OpenOrders)})
