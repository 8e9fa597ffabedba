"""The parity bump holds online bidding acts for parity_ms, in arrival order, and nothing else."""
from __future__ import annotations

import queue
import threading

import pytest

from cloud.core.commands import BidOrder, Instruction, MaxOrder, PlaceBid, RunCommand, SetMax
from cloud.kernel.engine import Inbound
from cloud.parity import SpeedBump


class Recorder:
    """An engine stand-in that records what reached it, with the bump's clock at that moment."""

    def __init__(self, clock: "ManualClock"):
        self.clock = clock
        self.reached: queue.SimpleQueue[tuple[str, float]] = queue.SimpleQueue()
        self.state = "the engine's state"

    def submit(self, item: Inbound) -> None:
        self.reached.put((name_of(item), self.clock()))


class ManualClock:
    """Time the test moves by hand, so no assertion depends on how fast this machine is."""

    def __init__(self) -> None:
        self.now = 100.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def advance(self, seconds: float, bump: SpeedBump) -> None:
        with self.lock:
            self.now += seconds
        with bump._wake:
            bump._wake.notify()


def name_of(item: Inbound) -> str:
    command = item.command
    if isinstance(command, PlaceBid):
        return command.bid.bid_id
    if isinstance(command, SetMax):
        return command.max_bid.bid_id
    return command.command.command_id if command is not None else "reply"


def bid(bid_id: str, channel: str) -> Inbound:
    return Inbound(PlaceBid(BidOrder(bid_id, "1", 100, "HKD"), channel, "alice" if channel == "online" else "hall1"))


def drain(recorder: Recorder, count: int) -> list[tuple[str, float]]:
    return [recorder.reached.get(timeout=5) for _ in range(count)]


@pytest.fixture
def rig():
    clock = ManualClock()
    recorder = Recorder(clock)
    bump = SpeedBump(recorder, 250, clock=clock)   # 0.25 s and its steps below are exact in binary
    yield clock, recorder, bump
    bump.close()


def test_an_online_bid_is_held_and_a_hall_bid_is_not(rig):
    clock, recorder, bump = rig
    bump.submit(bid("online-1", "online"))
    bump.submit(bid("hall-1", "hall"))
    bump.submit(Inbound(RunCommand(Instruction("c1", "hammer"), "hall1")))
    bump.submit(Inbound(None, reply=None))
    assert drain(recorder, 3) == [("hall-1", 100.0), ("c1", 100.0), ("reply", 100.0)]
    clock.advance(0.125, bump)
    with pytest.raises(queue.Empty):
        recorder.reached.get(timeout=0.2)          # half its parity after its arrival: still held
    clock.advance(0.125, bump)
    assert drain(recorder, 1) == [("online-1", 100.25)]


def test_held_bids_keep_their_arrival_order_and_each_its_own_delay(rig):
    clock, recorder, bump = rig
    bump.submit(bid("a", "online"))
    clock.advance(0.0625, bump)
    bump.submit(Inbound(SetMax(MaxOrder("b", "1", 500, "HKD"), "bob")))
    bump.submit(bid("c", "online"))
    clock.advance(0.1875, bump)
    assert drain(recorder, 1) == [("a", 100.25)]
    with pytest.raises(queue.Empty):
        recorder.reached.get(timeout=0.2)
    clock.advance(0.0625, bump)
    assert [name for name, _ in drain(recorder, 2)] == ["b", "c"]


def test_closing_passes_on_what_is_still_held(rig):
    clock, recorder, bump = rig
    bump.submit(bid("late", "online"))
    bump.close()
    assert drain(recorder, 1)[0][0] == "late"


def test_zero_parity_passes_everything_at_once():
    clock = ManualClock()
    recorder = Recorder(clock)
    bump = SpeedBump(recorder, 0, clock=clock)
    bump.submit(bid("online-1", "online"))
    assert drain(recorder, 1) == [("online-1", 100.0)]
    bump.close()


def test_the_bump_is_the_engine_to_whoever_holds_it(rig):
    _, recorder, bump = rig
    assert bump.state == "the engine's state"
    with pytest.raises(ValueError, match="twice"):
        SpeedBump(bump, 19)
    with pytest.raises(ValueError, match="negative"):
        SpeedBump(recorder, -1)
