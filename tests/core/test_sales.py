"""A house runs several sales over time, one per hall at a time, all in one sequence and journal."""
from dataclasses import replace

from cloud.core import events as ev
from cloud.core.commands import BidOrder, CloseSale, Instruction, LoadSale, PlaceBid, RunCommand
from cloud.core.domain import sale_state
from shared.codes import Code
from tests.core.driver import UNIT, Driver, sale_spec


def second_sale(**overrides):
    spec = sale_spec()
    lots = tuple(replace(lot, lot=f"B{lot.lot}") for lot in spec.lots)
    return replace(spec, sale="s2", hall="h2", lots=lots, **overrides)


def two_halls() -> Driver:
    d = Driver().start()
    d.send(LoadSale(second_sale(), command_id="load-s2"))
    return d


def test_two_sales_run_at_once_in_two_halls_each_decided_by_its_own_rules():
    d = two_halls()
    assert d.house["auction"].halls == {"h1": "s1", "h2": "s2"}
    d.command("open_lot")                                               # hall h1 opens lot 1 of s1
    d.send(RunCommand(Instruction("o2", "open_lot"), "h2"))             # hall h2 opens lot B1 of s2
    assert isinstance(d.hall_bid(11, 100 * UNIT), ev.BidAccepted)       # h1's paddle: s1's lot 1
    room2 = d.send(PlaceBid(BidOrder("p2", "B1", 100 * UNIT, "HKD", 12), "hall", "h2"))[0]
    assert isinstance(room2, ev.BidAccepted) and room2.lot == "B1"
    online = d.online_bid("alice", 110 * UNIT, lot="B1")                # online: the open sale holding lot B1
    assert isinstance(online, ev.BidAccepted)
    s1, s2 = sale_state(d.house, "s1"), sale_state(d.house, "s2")
    assert [b.amount for b in s1.lots["1"].bids] == [100 * UNIT]
    assert [b.amount for b in s2.lots["B1"].bids] == [100 * UNIT, 110 * UNIT]
    assert d.replayed().state_hash() == d.house.state_hash()


def test_a_hall_runs_one_sale_at_a_time_and_lot_ids_of_open_sales_never_clash():
    d = Driver().start()
    busy = d.send(LoadSale(replace(second_sale(), hall="h1"), command_id="x"))
    assert busy[-1].code is Code.HALL_BUSY and "s2" not in d.house["auction"].sales
    clash = d.send(LoadSale(replace(sale_spec(), sale="s3", hall="h3"), command_id="y"))
    assert clash[-1].code is Code.BAD_COMMAND and "also in open sale s1" in clash[-1].message
    again = d.send(LoadSale(sale_spec(), command_id="z"))
    assert again[-1].code is Code.SALE_EXISTS


def test_a_closed_sale_frees_its_hall_for_the_next_and_its_lots_take_no_bids():
    d = Driver().start()
    d.command("open_lot")
    refused = d.send(CloseSale("s1", command_id="c1"))
    assert refused[-1].code is Code.SALE_IN_PROGRESS
    d.command("pass")
    closed = d.send(CloseSale("s1", command_id="c2"))
    assert isinstance(closed[0], ev.SaleClosed) and closed[-1].ok
    assert d.send(CloseSale("s1", command_id="c2")) == closed[-1:]       # the same command again: its answer again
    late = d.online_bid("alice", 200 * UNIT, lot="2")
    assert late.code is Code.UNKNOWN_LOT
    d.send(LoadSale(replace(sale_spec(), sale="autumn"), command_id="next"))
    assert d.house["auction"].halls == {"h1": "autumn"}
    assert d.command("open_lot").ok


def test_a_hall_with_no_sale_is_told_so():
    d = Driver()
    d.sale = "none"
    answer = d.send(RunCommand(Instruction("c", "open_lot"), "h9"))[0]
    assert not answer.ok and answer.code is Code.UNKNOWN_SALE
