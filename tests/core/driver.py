"""Drives the pure core the way the engine does: stamp seq and ts, decide, apply, keep the journal."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Any

from cloud.core import events as ev
from cloud.core.catalog import BidderSpec, DutchSpec, LotSpec, PaddleSpec, SaleSpec
from cloud.core.commands import BidOrder, Instruction, LoadSale, MaxOrder, PlaceBid, PressReading, RecordPress, RunCommand, SetMax
from cloud.core.domain import AuctionDomain, sale_state
from cloud.core.increments import saleroom_ladder
from cloud.core.state import AuctionState
from cloud.identity import events as identity_events
from cloud.identity.commands import CheckPin, ManageAccount, SetPresence
from cloud.identity.domain import IdentityDomain
from cloud.kernel.domain import House, Stamped, Tick

UNIT = 100  # HKD minor units per dollar


def sale_spec(**overrides: Any) -> SaleSpec:
    lots = (
        LotSpec("1", "Proof dollar", opening=100 * UNIT, reserve=150 * UNIT),
        LotSpec("2", "Penny Black", opening=200 * UNIT),
        LotSpec("D", "Dragon dollar", kind="dutch", dutch=DutchSpec(top=1000 * UNIT, floor=500 * UNIT, duration_ms=10_000, step_ms=1_000)),
    )
    base = SaleSpec(sale="s1", hall="h1", currency="HKD", ladder=saleroom_ladder(UNIT), lots=lots,
                    paddles=(PaddleSpec(11, "Mrs Chan"), PaddleSpec(12, "Mr Lee")),
                    bidders=(BidderSpec("alice", "alice_hk", "a.png"), BidderSpec("bob", "bob.collects")))
    return replace(base, **overrides)


def unwrapped(events: list[Any]) -> list[Any]:
    """A sale's own events, as its rules produced them (the domain wraps them in InSale)."""
    return [e.event if isinstance(e, ev.InSale) else e.answer if isinstance(e, ev.Unrouted) else e for e in events]


@dataclass
class Driver:
    house: House = field(default_factory=lambda: House([IdentityDomain(), AuctionDomain()]))
    seq: int = 0
    ts: int = 1_000_000
    journal: list[tuple[Stamped, list[Any]]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    sale: str = "s1"

    def send(self, command: Any, advance_ms: int = 10) -> list[Any]:
        self.ts += advance_ms
        stamped = Stamped(self.seq + 1, self.ts, command)
        events = self.house.handle(stamped)
        if events:
            self.seq += 1
            self.journal.append((stamped, events))
        return unwrapped(events)

    def replayed(self) -> House:
        """A fresh house with the same domains, rebuilt from the journaled events alone."""
        house = House(self.house.domains)
        for _, events in self.journal:
            for event in events:
                house.apply(event)
        return house

    @property
    def state(self) -> AuctionState:
        """The sale under test (the house may hold others)."""
        return sale_state(self.house, self.sale)


    def start(self, spec: SaleSpec | None = None, unlock: tuple[str, ...] = ("alice", "bob")) -> "Driver":
        """Start the sale; the online bidders in `unlock` have given their trade PIN."""
        spec = spec or sale_spec()
        self.sale = spec.sale
        self.send(LoadSale(spec))
        for account in unlock:
            self.send(CheckPin(account, True, self.house["identity"].accounts[account].pin_hash))
        return self

    def command(self, action: str, **fields: Any) -> ev.CommandAnswered:
        command = Instruction(command_id=fields.pop("command_id", f"c{next(self._ids)}"), action=action, **fields)
        events = self.send(RunCommand(command, "h1"))
        return events[-1]

    def hall_bid(self, paddle: int, amount: int, bid_id: str | None = None, lot: str = "1", **kw: Any) -> Any:
        bid = BidOrder(bid_id=bid_id or f"b{next(self._ids)}", lot=lot, amount=amount, currency=kw.pop("currency", "HKD"), paddle=paddle)
        return self.send(PlaceBid(bid, "hall", "h1"), **kw)[0]

    def online_bid(self, account: str, amount: int, bid_id: str | None = None, lot: str = "1", **kw: Any) -> Any:
        bid = BidOrder(bid_id=bid_id or f"b{next(self._ids)}", lot=lot, amount=amount, currency=kw.pop("currency", "HKD"))
        return self.send(PlaceBid(bid, "online", account), **kw)[0]

    def set_max(self, account: str, amount: int, lot: str = "1", bid_id: str | None = None) -> list[Any]:
        order = MaxOrder(bid_id=bid_id or f"m{next(self._ids)}", lot=lot, amount=amount, currency="HKD")
        return self.send(SetMax(order, account))

    def press(self, bid_id: str, grams: int, ms: int, paddle: int = 11) -> list[Any]:
        return self.send(RecordPress(PressReading(bid_id=bid_id, paddle=paddle, peak_grams=grams, duration_ms=ms), "h1"))

    def presence(self, account: str, online: bool) -> list[Any]:
        return self.send(SetPresence(account, online))

    def tick(self, advance_ms: int) -> list[Any]:
        return self.send(Tick(), advance_ms)

    @property
    def lot(self) -> Any:
        return self.state.lot

    def account(self, action: str, account: str, **fields: Any) -> ev.CommandAnswered:
        """A house account command (register, approve, decline, set_limit, set_pin)."""
        return self.send(ManageAccount(f"a{next(self._ids)}", action, account, **fields))[-1]

    def pin(self, account: str, ok: bool, advance_ms: int = 10) -> identity_events.PinAnswered:
        known = self.house["identity"].accounts.get(account)
        return self.send(CheckPin(account, ok, known.pin_hash if known else ""), advance_ms)[0]
