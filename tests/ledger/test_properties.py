"""Property tests over random sequences of deposits, holds, posts, voids, payouts, settlements and
custody: the books balance after every step, no user goes below zero, a command sent again changes
nothing, and the journaled events (through the journal's codec), or a snapshot and the journal after
it, rebuild the same house."""
from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from cloud.core.refusal import Refusal
from cloud.custody import commands as custody
from cloud.custody.domain import CustodyDomain
from cloud.domains import house_codec
from cloud.identity.domain import IdentityDomain
from cloud.kernel.domain import House, Tick
from cloud.kernel.store import Journal
from cloud.ledger import commands as ledger
from cloud.ledger.accounts import house_cash, user_cash
from cloud.ledger.domain import LedgerDomain
from cloud.ledger.events import Phase
from cloud.ledger.postings import Postings
from cloud.ledger.state import closed_of
from cloud.ledger.views import statement, trial_balance
from tests.ledger.driver import DRAGON, Desk, statement_before

USERS = ("alice", "bob", "carol")           # carol never gives her PIN
ESCROW = house_cash("escrow", "HKD")


@dataclass(frozen=True)
class Hold:
    hold_id: str
    buyer: str
    amount: int
    timeout_ms: int


@dataclass(frozen=True)
class Settle:
    hold_id: str
    amount: int
    seller: str


@dataclass(frozen=True)
class Release:
    hold_id: str


class Settlements:
    """A small domain of the tests that moves money as a sale's settlement will: a buyer's funds held
    in escrow, then part posted and paid to the seller less the house's premium, or released."""
    name = "settlements"
    commands = (Hold, Settle, Release)
    events = ()
    modules = (sys.modules[__name__],)

    def initial(self) -> None:
        return None

    def decide(self, house: House, c: Any, seq: int, ts: int) -> list[Any]:
        if isinstance(c, Tick):
            return []
        plan = Postings(house["ledger"], ts)
        try:
            if isinstance(c, Hold):
                plan.pending(f"hold:{c.hold_id}", user_cash(c.buyer, "HKD"), ESCROW, c.amount, timeout_ms=c.timeout_ms)
            elif isinstance(c, Settle):
                posted = plan.post(f"post:{c.hold_id}", f"hold:{c.hold_id}", c.amount)
                premium = posted.amount // 10
                plan.transfer(f"pay:{c.hold_id}", ESCROW, user_cash(c.seller, "HKD"), posted.amount - premium)
                if premium:
                    plan.transfer(f"premium:{c.hold_id}", ESCROW, house_cash("premium", "HKD"), premium)
            else:
                plan.void(f"void:{c.hold_id}", f"hold:{c.hold_id}")
        except Refusal:
            return []
        return plan.events()

    def apply(self, event: Any, state: None) -> None:
        raise TypeError("settlements journal no events of their own")

    def deadline(self, house: House) -> None:
        return None

    def publications(self, house: House, events: list[Any]) -> list:
        return []

    def settled(self, house: House, events: list[Any], seq: int, ts: int) -> list:
        return []


user = st.sampled_from(USERS)
amount = st.integers(1, 30_000)
small_id = st.integers(0, 2).map(str)


def open_hold(desk: Desk, index: int) -> str:
    """One of the settlements' holds still open (most steps then act on something that exists)."""
    held = [p.removeprefix("hold:") for p in desk.ledger.transfers if p.startswith("hold:")]
    return held[index % len(held)] if held else "0"


def command_of(step: tuple, desk: Desk) -> Any:
    kind, *args = step
    n = desk.next_id()
    if kind == "deposit":
        return ledger.RecordDeposit(n, args[0], args[1], args[2], f"wire-{n}")
    if kind == "payout":
        return ledger.RecordPayout(n, args[0], args[1], args[2], f"pay-{n}")
    if kind == "request":
        return ledger.RequestPayout(args[0], f"r{args[2]}", args[1], "HKD")
    if kind == "decide":
        waiting = [p for p in desk.ledger.payouts.values() if p.status == "requested"]
        account, request = (waiting[args[0] % len(waiting)].account, waiting[args[0] % len(waiting)].request_id) if waiting \
            else ("alice", "r0")
        return ledger.DecidePayout(n, account, request, args[1], f"ref-{n}")
    if kind == "reverse":
        ids = [*desk.ledger.closed, *desk.ledger.transfers]
        return ledger.ReverseTransfer(n, ids[args[0] % len(ids)] if ids else "none", "a correction")
    if kind == "item":
        return custody.DepositItem(n, f"i{args[2]}", args[0], DRAGON.kind, args[1])
    if kind == "ship":
        return custody.WithdrawItem(n, f"i{args[1]}", args[0], f"ship-{n}")
    if kind == "hold":
        return Hold(args[1], args[0], args[2], args[3])
    if kind == "settle":
        hold_id = open_hold(desk, args[0])
        held = desk.ledger.transfers.get(f"hold:{hold_id}")
        return Settle(hold_id, max(1, held.amount * args[1] // 100) if held else 1, args[2])
    if kind == "release":
        return Release(open_hold(desk, args[0]))
    return Tick()


steps = st.lists(st.one_of(
    st.tuples(st.just("deposit"), user, st.integers(1, 100_000), st.sampled_from(("HKD", "HKD", "USD"))),
    st.tuples(st.just("payout"), user, amount, st.sampled_from(("HKD", "USD"))),
    st.tuples(st.just("request"), user, amount, small_id),
    st.tuples(st.just("decide"), st.integers(0, 5), st.booleans()),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
    st.tuples(st.just("item"), user, st.integers(1, 5), small_id),
    st.tuples(st.just("ship"), user, small_id),
    st.tuples(st.just("hold"), user, st.integers(0, 9).map(str), amount, st.integers(1_000, 20_000)),
    st.tuples(st.just("settle"), st.integers(0, 5), st.integers(1, 110), user),    # a percentage of the hold
    st.tuples(st.just("release"), st.integers(0, 5)),
    st.tuples(st.just("tick"), st.integers(0, 10_000)),
), min_size=5, max_size=40)


def books_hold(desk: Desk) -> None:
    """Σ debits = Σ credits per ledger; no user below zero; what accounts hold pending is exactly the open holds."""
    assert all(total.balanced for total in trial_balance(desk.ledger)[1])
    held: dict[str, int] = defaultdict(int)
    for pending_id in desk.ledger.transfers:
        hold = desk.ledger.transfers[pending_id]
        held[hold.debit] += hold.amount
    assert desk.ledger.timeouts == {p: t.timeout_at for p in desk.ledger.transfers
                                    if (t := desk.ledger.transfers[p]).timeout_at is not None}      # the clock's holds, kept
    for name, account in desk.ledger.accounts.items():
        assert account.debits_pending == held[name], name
        if account.user is not None:
            assert account.debits_posted + account.debits_pending <= account.credits_posted, name
    for user in USERS:
        lines = statement(desk.ledger, user)
        assert lines == statement_before(desk, user) and statement(desk.ledger, user, 3) == lines[-3:]
        for name in {line.account for line in lines}:        # the running figures start from nothing
            first = next(line for line in lines if line.account == name)
            assert first.balance - (first.amount if first.phase in ("posted", "post") else 0) == 0
            assert first.available - first.balance == (first.amount if first.phase == "pending" and first.amount < 0 else 0)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_random_sequences_keep_the_books(sequence):
    desk = Desk(House([IdentityDomain(), LedgerDomain(), CustodyDomain(), Settlements()]))
    desk.user("alice").user("bob").user("carol", unlocked=False)
    desk.define()
    for name in USERS:
        desk.deposit(name, 50_000)
    for step in sequence:
        command = command_of(step, desk)
        desk.send(command, advance_ms=step[1] if step[0] == "tick" else 10)
        books_hold(desk)
        before = desk.house.state_hash()
        desk.send(command, advance_ms=0)                  # delivered again: nothing changes
        assert desk.house.state_hash() == before
    assert desk.replayed().state_hash() == desk.house.state_hash()
    codec = house_codec(desk.house)
    rebuilt = House(desk.house.domains)
    for events in desk.journal:
        for event in events:
            rebuilt.apply(codec.loads(codec.dumps(event)))
    assert rebuilt.state_hash() == desk.house.state_hash()


SCRIPT = [
    ("deposit", "alice", 80_000, "HKD"), ("hold", "alice", "0", 30_000, 5_000), ("request", "bob", 20_000, "0"),
    ("item", "alice", 3, "0"), ("settle", 0, 50, "bob"), ("decide", 0, True), ("hold", "bob", "1", 10_000, 2_000),
    ("ship", "alice", "0"), ("deposit", "carol", 5_000, "USD"), ("reverse", 0), ("tick", 3_000), ("request", "alice", 1_000, "1"),
    ("decide", 0, False), ("hold", "carol", "2", 1_000, 1_000), ("payout", "bob", 5_000, "HKD"), ("item", "bob", 2, "1"),
    ("release", 0), ("tick", 9_000),
]


def test_a_snapshot_and_the_journal_after_it_rebuild_the_same_house_as_a_full_replay(tmp_path):
    desk = Desk(House([IdentityDomain(), LedgerDomain(), CustodyDomain(), Settlements()]))
    desk.user("alice").user("bob").user("carol", unlocked=False)
    desk.define()
    for name in USERS:
        desk.deposit(name, 50_000)
    journal = Journal.create(tmp_path / "house.sqlite3", house_codec(desk.house), "h1")
    for i, step in enumerate(SCRIPT):
        desk.send(command_of(step, desk), advance_ms=step[1] if step[0] == "tick" else 10)
        if i == len(SCRIPT) // 2:
            journal.append(desk.entries)
            journal.save_snapshot(desk.seq, desk.house)
            middle = desk.seq
    journal.append([e for e in desk.entries if e.stamped.seq > middle])
    assert {closed_of(text).phase for text in desk.ledger.closed.values()} == set(Phase) and desk.house["custody"].withdrawn
    from_snapshot, replayed = House(desk.house.domains), House(desk.house.domains)
    assert journal.load(from_snapshot) == middle
    for event in journal.events():
        replayed.apply(event)
    assert from_snapshot.state_hash() == replayed.state_hash() == desk.house.state_hash()
    journal.close()
