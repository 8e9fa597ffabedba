"""The arbiter's state, and `apply`: the only code that changes it.

`decide` (arbiter.py) only reads state; `apply` folds one event in. The state is owned by the one
engine thread and updated in place (as in LMAX-style engines) so a bid costs O(1), not a copy of
the whole sale; replaying the journal's events through `apply` rebuilds it exactly, which
`state_hash` checks.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import singledispatch
from typing import Any, ClassVar

from cloud.core import events as ev
from cloud.core.catalog import LotSpec, SaleSpec
from cloud.core.increments import Ladder
from cloud.identity.state import Account, IdentityState
from shared.money import format_amount

OPEN_STATUSES = ("open", "fair_warning")


@dataclass
class LotRecord:
    spec: LotSpec
    ladder: Ladder
    status: str = "pending"       # pending | open | fair_warning | paused | sold | passed
    bids: list[ev.BidAccepted] = field(default_factory=list)
    late_bids: list[ev.LateBidRecorded] = field(default_factory=list)
    asking_override: int | None = None
    increment_override: int | None = None
    override_band: int = -1
    reserve_lifted: bool = False
    paused_from: str = "open"
    opened_ts: int | None = None
    hammered_ts: int | None = None
    order_id: str | None = None
    pass_reason: str | None = None
    maxima: dict[str, ev.MaxRegistered] = field(default_factory=dict)   # bidder -> their maximum

    @property
    def leader(self) -> ev.BidAccepted | None:
        return self.bids[-1] if self.bids else None

    @property
    def current_bid(self) -> int | None:
        return self.bids[-1].amount if self.bids else None

    def asking(self) -> int:
        """The lowest amount the next bid may name (English lots)."""
        if self.asking_override is not None:
            return self.asking_override
        if not self.bids:
            return max(self.spec.opening, 1)
        return self.asking_after(self.bids[-1].amount)

    def asking_after(self, amount: int) -> int:
        """Asking once `amount` is the current bid: the override increment while still in its band."""
        if self.increment_override is not None and self.ladder.band_index(amount) == self.override_band:
            return amount + self.increment_override
        return self.ladder.next_rung(amount)

    def reserve_met(self) -> bool:
        return self.reserve_lifted or (self.current_bid or 0) >= self.spec.reserve

    def dutch_price(self, ts: int) -> int:
        assert self.spec.dutch is not None and self.opened_ts is not None
        return self.spec.dutch.price_at(ts - self.opened_ts)

    def dutch_end(self) -> int:
        assert self.spec.dutch is not None and self.opened_ts is not None
        return self.opened_ts + self.spec.dutch.duration_ms


@dataclass
class AuctionState:
    sale: SaleSpec | None = None
    lots: dict[str, LotRecord] = field(default_factory=dict)
    current_lot: str | None = None
    paddles: dict[int, str] = field(default_factory=dict)                 # paddle -> name
    paddle_accounts: dict[int, str] = field(default_factory=dict)         # paddle -> its holder's account
    answers: dict[str, ev.BidAccepted | ev.BidRejected | ev.LateBidRecorded | ev.MaxRegistered] = field(default_factory=dict)
    command_answers: dict[str, ev.CommandAnswered] = field(default_factory=dict)
    presses: dict[str, ev.PressRecorded] = field(default_factory=dict)
    orders: dict[str, ev.Order] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    hall_online: bool = True
    hall_seen: bool = False           # a hall box (or its bridge) has connected since the sale was loaded
    hall_back_ts: int | None = None   # when the hall's link last came back

    identity: ClassVar[IdentityState]  # the house's accounts, shared read-only (set by the auction domain; not hashed here)

    @property
    def accounts(self) -> dict[str, Account]:
        return self.identity.accounts

    @property
    def present(self) -> set[str]:
        return self.identity.present

    def hall_grace(self, ts: int) -> bool:
        """Just after the hall's link returned: its queued presses are still arriving."""
        return self.hall_back_ts is not None and self.sale is not None and ts - self.hall_back_ts <= self.sale.grace_ms

    @property
    def lot(self) -> LotRecord | None:
        return self.lots.get(self.current_lot) if self.current_lot else None

    def upcoming(self) -> list[LotRecord]:
        """Lots still to offer, in run-list order from the current lot on: a lot re-offered after its
        buyer defaulted comes after the rest of the run list."""
        lots = list(self.lots.values())
        start = list(self.lots).index(self.current_lot) + 1 if self.current_lot else 0
        return [lot for lot in lots[start:] + lots[:start] if lot.status == "pending"]

    def account_of(self, bidder: str) -> str | None:
        """The account behind "online:alice" or "paddle:12" (if that paddle's holder has one)."""
        kind, _, ident = bidder.partition(":")
        return ident if kind == "online" else self.paddle_accounts.get(int(ident)) if kind == "paddle" else None

    def money(self, minor: int) -> str:
        """An amount in the sale's currency, as the room says it ("1,100 HKD")."""
        return format_amount(minor, self.sale.currency) if self.sale else str(minor)

    def bidder_label(self, bidder: str) -> str:
        kind, _, ident = bidder.partition(":")
        if kind == "paddle":
            return f"Paddle {ident} · {self.paddles.get(int(ident), 'unregistered')}"
        account = self.accounts.get(ident)
        return account.handle if account else ident


@singledispatch
def apply(event: Any, state: AuctionState) -> None:
    raise TypeError(f"no rule applies {type(event).__name__}")


@apply.register
def _(e: ev.SaleStarted, s: AuctionState) -> None:
    s.sale = e.spec
    s.lots = {spec.lot: LotRecord(spec, spec.ladder or e.spec.ladder) for spec in e.spec.lots}
    s.paddles.update({p.paddle: p.name for p in e.spec.paddles})
    s.paddle_accounts.update({p.paddle: p.account for p in e.spec.paddles if p.account})


@apply.register
def _(e: ev.LotOpened, s: AuctionState) -> None:
    s.current_lot = e.lot
    lot = s.lots[e.lot]
    lot.status, lot.opened_ts = "open", e.ts


@apply.register
def _(e: ev.BidAccepted, s: AuctionState) -> None:
    lot = s.lots[e.lot]
    lot.bids.append(e)
    lot.asking_override = None
    if lot.status == "fair_warning":
        lot.status = "open"
    s.answers[e.key] = e


@apply.register(ev.BidRejected)
@apply.register(ev.LateBidRecorded)
def _(e: ev.BidRejected | ev.LateBidRecorded, s: AuctionState) -> None:
    if isinstance(e, ev.LateBidRecorded):
        s.lots[e.lot].late_bids.append(e)
    s.answers[e.key] = e


@apply.register(ev.BidAnsweredAgain)
@apply.register(ev.CommandAnsweredAgain)
@apply.register(ev.MessageSent)
def _(e: ev.BidAnsweredAgain | ev.CommandAnsweredAgain | ev.MessageSent, s: AuctionState) -> None:
    if isinstance(e, ev.MessageSent):
        s.messages.append(e.text)


@apply.register
def _(e: ev.PressRecorded, s: AuctionState) -> None:
    s.presses[e.key] = e


@apply.register
def _(e: ev.MaxRegistered, s: AuctionState) -> None:
    s.lots[e.lot].maxima[e.bidder] = e
    if e.key:
        s.answers[e.key] = e


@apply.register
def _(e: ev.AskingSet, s: AuctionState) -> None:
    s.lots[e.lot].asking_override = e.amount


@apply.register
def _(e: ev.IncrementSet, s: AuctionState) -> None:
    lot = s.lots[e.lot]
    lot.increment_override, lot.override_band, lot.asking_override = e.increment, e.band, None


@apply.register
def _(e: ev.FairWarningGiven, s: AuctionState) -> None:
    s.lots[e.lot].status = "fair_warning"


@apply.register
def _(e: ev.LotPaused, s: AuctionState) -> None:
    lot = s.lots[e.lot]
    lot.paused_from, lot.status = lot.status, "paused"


@apply.register
def _(e: ev.LotResumed, s: AuctionState) -> None:
    lot = s.lots[e.lot]
    lot.status = lot.paused_from


@apply.register
def _(e: ev.ReserveLifted, s: AuctionState) -> None:
    s.lots[e.lot].reserve_lifted = True


@apply.register
def _(e: ev.BidRetracted, s: AuctionState) -> None:
    lot = s.lots[e.lot]
    lot.bids.pop()
    lot.asking_override = None


@apply.register
def _(e: ev.LotHammered, s: AuctionState) -> None:
    lot = s.lots[e.lot]
    lot.status, lot.hammered_ts = "sold", e.ts


@apply.register
def _(e: ev.OrderCreated, s: AuctionState) -> None:
    s.orders[e.order.order_id] = e.order
    s.lots[e.order.lot].order_id = e.order.order_id


@apply.register
def _(e: ev.OrderPaid, s: AuctionState) -> None:
    s.orders[e.order_id] = dataclasses.replace(s.orders[e.order_id], status="paid")


@apply.register
def _(e: ev.OrderCancelled, s: AuctionState) -> None:
    order = s.orders[e.order_id]
    s.orders[e.order_id] = dataclasses.replace(order, status="cancelled")
    if s.lots[order.lot].order_id == e.order_id:
        s.lots[order.lot].order_id = None


@apply.register
def _(e: ev.OrderReleased, s: AuctionState) -> None:
    s.orders[e.order_id] = dataclasses.replace(s.orders[e.order_id], status="released")


@apply.register
def _(e: ev.LotReoffered, s: AuctionState) -> None:
    lot = s.lots[e.lot]
    lot.status, lot.bids, lot.maxima, lot.late_bids = "pending", [], {}, []
    lot.hammered_ts = lot.opened_ts = lot.asking_override = lot.increment_override = None
    lot.override_band, lot.reserve_lifted = -1, False


@apply.register
def _(e: ev.LotPassed, s: AuctionState) -> None:
    lot = s.lots[e.lot]
    lot.status, lot.pass_reason = "passed", e.reason


@apply.register
def _(e: ev.LotReopened, s: AuctionState) -> None:
    lot = s.lots[e.lot]
    lot.status, lot.hammered_ts, lot.pass_reason = "open", None, None


@apply.register
def _(e: ev.PaddleRegistered, s: AuctionState) -> None:
    s.paddles[e.paddle] = e.name
    if e.account:
        s.paddle_accounts[e.paddle] = e.account


@apply.register
def _(e: ev.HallLinkChanged, s: AuctionState) -> None:
    s.hall_online = e.up
    if e.up:
        s.hall_seen = True
        s.hall_back_ts = e.ts


@apply.register
def _(e: ev.CommandAnswered, s: AuctionState) -> None:
    s.command_answers[e.key] = e
