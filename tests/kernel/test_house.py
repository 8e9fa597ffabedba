"""The kernel knows no domain: a second, small domain written here shares the house's sequence,
journal, replay, deadlines and publications with the auction, through the Domain protocol alone."""
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest

from cloud.core.commands import LoadSale
from cloud.core.domain import AuctionDomain
from cloud.identity.domain import IdentityDomain
from cloud.kernel.codec import Codec
from cloud.kernel.domain import House, Publication, Tick
from cloud.kernel.engine import Engine, run_sync
from cloud.kernel import domain as kernel_domain
from cloud.kernel.store import Journal
from tests.core.driver import sale_spec


@dataclass(frozen=True)
class Remind:
    """Publish `text` once the house's clock reaches `at`."""
    text: str
    at: int


@dataclass(frozen=True)
class ReminderSet:
    text: str
    at: int
    seq: int


@dataclass(frozen=True)
class ReminderDue:
    text: str


@dataclass
class Reminders:
    waiting: list[ReminderSet] = field(default_factory=list)


class ReminderDomain:
    name = "reminders"
    commands = (Remind,)
    events = (ReminderSet, ReminderDue)
    modules = (sys.modules[__name__],)

    def initial(self) -> Reminders:
        return Reminders()

    def decide(self, house: House, command: Any, seq: int, ts: int) -> list[Any]:
        if isinstance(command, Tick):
            return [ReminderDue(r.text) for r in house[self.name].waiting if r.at <= ts]
        return [ReminderSet(command.text, command.at, seq)]

    def apply(self, event: Any, state: Reminders) -> None:
        if isinstance(event, ReminderSet):
            state.waiting.append(event)
        else:
            state.waiting = [r for r in state.waiting if r.text != event.text]

    def deadline(self, house: House) -> int | None:
        return min((r.at for r in house[self.name].waiting), default=None)

    def publications(self, house: House, events: list[Any]) -> list[Publication]:
        return [Publication("reminders", e.text.encode()) for e in events if isinstance(e, ReminderDue)]

    def settled(self, house: House, events: list[Any], seq: int, ts: int) -> list[Publication]:
        return []


def domains() -> list[Any]:
    return [IdentityDomain(), AuctionDomain(), ReminderDomain()]


def test_a_second_domain_shares_the_sequence_journal_deadlines_and_replay(tmp_path):
    house = House(domains())
    codec = Codec([kernel_domain, *(m for d in house.domains for m in d.modules)])
    published: list[Publication] = []
    clock = iter(range(1_000, 10**9, 100)).__next__
    engine = Engine(house, Journal.create(tmp_path / "h.sqlite3", codec, "h1"), published.extend, clock=clock)
    run_sync(engine, [LoadSale(sale_spec()), Remind("lot 2 at noon", at=1_250)])
    assert [e.stamped.seq for e in engine.journal.entries()] == [1, 2]            # one sequence for both domains
    assert house.deadline() == 1_250                                             # the kernel asks every domain
    engine.process(engine._next_batch())                                         # nothing queued: the deadline wakes a Tick
    assert [p.payload for p in published if p.topic == "reminders"] == [b"lot 2 at noon"]
    assert house["reminders"].waiting == [] and house.deadline() is None
    replayed = House(domains())
    engine.journal.load(replayed)
    assert replayed.state_hash() == house.state_hash()


def test_a_type_claimed_by_two_domains_is_refused():
    class Thief(ReminderDomain):
        name = "thief"
    with pytest.raises(ValueError, match="Remind belongs to both"):
        House([ReminderDomain(), Thief()])


class ReminderLog(ReminderDomain):
    """A read model: counts the reminders set, from the reminders domain's own events."""
    name = "reminder_log"
    commands = ()
    events = ()
    observes = (ReminderSet,)

    def initial(self) -> list[str]:
        return []

    def apply(self, event: Any, state: list[str]) -> None:
        state.append(event.text)

    def deadline(self, house: House) -> int | None:
        return None


def test_a_read_model_observes_another_domains_events_in_the_same_step_and_replays():
    house = House([*domains(), ReminderLog()])
    events = house.handle(kernel_domain.Stamped(1, 1_000, Remind("lot 3", at=5_000)))
    assert house["reminder_log"] == ["lot 3"] and house["reminders"].waiting == [events[0]]
    replayed = House([*domains(), ReminderLog()])
    for event in events:
        replayed.apply(event)
    assert replayed.state_hash() == house.state_hash()
