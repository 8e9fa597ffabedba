"""What the hall box knows, as data: the lot, the link, and each paddle's state. Pure updates only.

Displays draw from this (edge/core/views.py derives what each screen shows); the loop changes it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from shared import messages

MAX_REMEMBERED = 12


@dataclass
class BidRecord:
    bid_id: str
    lot: str
    amount: int
    tier: int
    pressed_us: int               # the button edge, pin factory clock
    decided_us: int
    status: str = "sent"          # queued | sent | accepted | rejected | late
    message: str = ""


@dataclass
class PaddleState:
    number: int
    force: int = 0
    tier: int = 0
    pressed: bool = False
    bids: list[BidRecord] = field(default_factory=list)
    feedback: str = ""
    sensor_fault: str = ""
    calibrated: bool = False


class Touch(NamedTuple):
    """A light touch (an intent signal, not a bid), tied to the lot it was made on."""
    paddle: int
    grams: int
    lot: str | None
    at_ms: int


@dataclass
class Note:
    """A notice for the auctioneer and when it arrived (the arbiter's clock)."""
    text: str
    at_ms: int | None = None      # set by HallState.stamp


@dataclass
class HallState:
    sale: str
    hall: str
    paddles: dict[int, PaddleState]
    lot: messages.LotState | None = None
    link_up: bool = False
    link_since: float = 0.0
    waiting: int = 0
    intents: list[tuple[int, int] | Touch] = field(default_factory=list)   # (paddle, peak grams), newest last; stamp() dates them
    notices: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)                    # the notices with their time
    lot_statuses: dict[str, str] = field(default_factory=dict)       # every lot seen, for the run list

    def record(self, paddle: int, bid: BidRecord) -> None:
        records = self.paddles[paddle].bids
        records.append(bid)
        del records[:-MAX_REMEMBERED]

    def find(self, bid_id: str) -> tuple[PaddleState, BidRecord] | None:
        for state in self.paddles.values():
            for bid in state.bids:
                if bid.bid_id == bid_id:
                    return state, bid
        return None

    def note(self, text: str) -> None:
        self.notices.append(text)
        del self.notices[:-MAX_REMEMBERED]
        self.notes.append(Note(text))
        del self.notes[:-MAX_REMEMBERED]

    def stamp(self, now_ms: int) -> None:
        """Date what arrived since the last change (the loop calls this after each one): notices get
        their time, touches their time and lot, so the screens can show when and drop stale ones."""
        lot = self.lot.lot if self.lot else None
        for note in self.notes:
            if note.at_ms is None:
                note.at_ms = now_ms
        self.intents[:] = [t if isinstance(t, Touch) else Touch(t[0], t[1], lot, now_ms) for t in self.intents]


def bid_amount(lot: messages.LotState | None, tier: int, now_ms: int) -> int | None:
    """The amount a press of `tier` bids on the lot as last seen: named explicitly, never "whatever
    the price is now". A Dutch lot: the clock's price now. None when no lot can take a bid."""
    if lot is None or lot.asking is None:
        return None
    if lot.kind == "dutch" and lot.dutch is not None:
        return lot.dutch.price_at(now_ms)
    jumps = lot.jumps or (lot.asking,)
    return jumps[min(tier, len(jumps) - 1)]
