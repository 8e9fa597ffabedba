"""The rules of an ascending lot, one behaviour per test, decided by the pure core."""
from cloud.core import events as ev, outbound
from cloud.core.commands import BidOrder, Instruction, PlaceBid, RunCommand
from shared import messages, topics
from shared.codes import Code
from tests.core.driver import UNIT, Driver


def opened() -> Driver:
    d = Driver().start()
    assert d.command("open_lot").ok
    return d


def test_first_bid_at_the_opening_price_leads():
    d = opened()
    result = d.hall_bid(11, 100 * UNIT)
    assert isinstance(result, ev.BidAccepted) and result.asking_after == 110 * UNIT
    assert d.lot.leader.bidder == "paddle:11"


def test_race_for_the_same_asking_price_first_sequenced_wins_and_the_other_hears_the_new_asking():
    d = opened()
    first = d.hall_bid(11, 100 * UNIT)
    second = d.online_bid("alice", 100 * UNIT)
    assert isinstance(first, ev.BidAccepted)
    assert isinstance(second, ev.BidRejected) and second.code is Code.BELOW_ASKING
    assert second.asking == 110 * UNIT and second.message == "outbid: asking is now 110 HKD"


def test_stale_bid_is_rejected_never_raised():
    d = opened()
    d.hall_bid(11, 100 * UNIT)
    d.online_bid("alice", 110 * UNIT)
    stale = d.hall_bid(12, 110 * UNIT)
    assert stale.code is Code.BELOW_ASKING and stale.amount == 110 * UNIT
    assert d.lot.current_bid == 110 * UNIT


def test_below_opening_price_says_so():
    d = opened()
    assert d.online_bid("alice", 90 * UNIT).message == "below the opening price: asking is 100 HKD"


def test_jump_bid_above_asking_is_accepted_and_asking_follows_the_ladder():
    d = opened()
    jump = d.hall_bid(11, 120 * UNIT)
    assert isinstance(jump, ev.BidAccepted) and d.lot.asking() == 130 * UNIT


def test_absurd_amount_is_refused_as_a_probable_typo():
    d = opened()
    assert d.online_bid("alice", 100_000 * UNIT).code is Code.AMOUNT_ABSURD


def test_leader_cannot_bid_against_themself():
    d = opened()
    d.online_bid("alice", 100 * UNIT)
    assert d.online_bid("alice", 110 * UNIT).code is Code.ALREADY_LEADING


def test_duplicate_bid_id_gets_the_same_answer_and_changes_nothing():
    d = opened()
    first = d.hall_bid(11, 100 * UNIT, bid_id="dup")
    before = d.house.state_hash()
    again = d.send(PlaceBid(BidOrder(bid_id="dup", lot="1", amount=100 * UNIT, currency="HKD", paddle=11), "hall", "h1"))
    assert again == [ev.BidAnsweredAgain(first.key)]
    assert d.house.state_hash() == before and len(d.lot.bids) == 1


def test_unknown_lot_unknown_paddle_unknown_account_and_wrong_currency():
    d = opened()
    assert d.hall_bid(11, 100 * UNIT, lot="nope").code is Code.UNKNOWN_LOT
    assert d.hall_bid(99, 100 * UNIT).code is Code.UNKNOWN_PADDLE
    assert d.online_bid("mallory", 100 * UNIT).code is Code.UNKNOWN_BIDDER
    assert d.online_bid("alice", 100 * UNIT, currency="USD").code is Code.CURRENCY_MISMATCH


def test_bid_on_a_lot_not_yet_open():
    d = opened()
    assert d.hall_bid(11, 200 * UNIT, lot="2").code is Code.LOT_NOT_OPEN


def test_paused_lot_refuses_bids_until_resumed():
    d = opened()
    assert d.command("pause").ok
    assert d.hall_bid(11, 100 * UNIT).code is Code.LOT_PAUSED
    assert d.command("resume").ok
    assert isinstance(d.hall_bid(11, 100 * UNIT), ev.BidAccepted)


def test_fair_warning_then_a_new_bid_reopens_bidding():
    d = opened()
    d.hall_bid(11, 100 * UNIT)
    d.command("fair_warning")
    assert d.lot.status == "fair_warning"
    d.online_bid("alice", 110 * UNIT)
    assert d.lot.status == "open"


def test_hammer_below_reserve_is_refused_until_the_reserve_is_lifted():
    d = opened()
    d.hall_bid(11, 100 * UNIT)
    refused = d.command("hammer")
    assert not refused.ok and refused.code is Code.RESERVE_NOT_MET
    assert d.command("lift_reserve").ok
    assert d.command("hammer").ok and d.lot.status == "sold"


def test_hammer_with_no_bids_is_refused_and_pass_closes_the_lot():
    d = opened()
    assert d.command("hammer").code is Code.NO_BIDS
    assert d.command("pass").ok
    assert d.hall_bid(11, 100 * UNIT).code is Code.LOT_CLOSED


def test_hammer_creates_an_order_for_the_registered_winner():
    d = opened()
    d.hall_bid(11, 100 * UNIT)
    d.online_bid("alice", 150 * UNIT)
    d.command("hammer")
    (order,) = d.state.orders.values()
    assert (order.buyer, order.buyer_label, order.hammer) == ("online:alice", "alice_hk", 150 * UNIT)
    assert order.premium == 150 * UNIT * 2500 // 10_000
    assert order.total == order.hammer + order.premium - order.discount
    assert order.status == "pending"


def test_late_bid_within_grace_is_recorded_not_counted_and_after_grace_is_closed():
    d = opened()
    d.hall_bid(11, 150 * UNIT)
    d.command("hammer")
    late = d.online_bid("alice", 160 * UNIT, advance_ms=500)
    assert isinstance(late, ev.LateBidRecorded) and late.ms_after_hammer == 500
    assert d.lot.status == "sold" and d.lot.current_bid == 150 * UNIT and len(d.lot.late_bids) == 1
    assert d.online_bid("bob", 160 * UNIT, advance_ms=3000).code is Code.LOT_CLOSED


def test_reopen_after_a_late_bid_cancels_the_order_and_bidding_goes_on():
    d = opened()
    d.hall_bid(11, 150 * UNIT)
    d.command("hammer")
    (order_id,) = d.state.orders
    d.online_bid("alice", 160 * UNIT, advance_ms=200)
    assert d.command("reopen").ok
    assert d.state.orders[order_id].status == "cancelled" and d.lot.status == "open"
    assert isinstance(d.online_bid("alice", 160 * UNIT), ev.BidAccepted)


def test_reopen_is_only_possible_until_the_next_lot_opens():
    d = opened()
    d.command("pass")
    d.command("open_lot")
    assert d.command("reopen", lot="1").code is Code.CANNOT_REOPEN


def test_retract_the_last_bid_restores_the_previous_leader_and_asking():
    d = opened()
    d.hall_bid(11, 100 * UNIT)
    d.online_bid("alice", 110 * UNIT)
    assert d.command("retract").ok
    assert d.lot.leader.bidder == "paddle:11" and d.lot.asking() == 110 * UNIT
    d.command("retract")
    assert d.command("retract").code is Code.NOTHING_TO_RETRACT


def test_set_asking_manually_holds_until_the_next_bid():
    d = opened()
    d.hall_bid(11, 100 * UNIT)
    assert d.command("set_asking", amount=105 * UNIT).ok
    assert d.online_bid("alice", 105 * UNIT).amount == 105 * UNIT
    assert d.lot.asking() == 110 * UNIT  # back on the ladder
    assert d.command("set_asking", amount=100 * UNIT).code is Code.BAD_COMMAND


def test_half_increment_override_ends_at_the_next_band():
    d = opened()
    d.hall_bid(11, 180 * UNIT)
    assert d.command("set_increment", factor="half").ok
    assert d.lot.asking() == 185 * UNIT
    d.online_bid("alice", 195 * UNIT)
    assert d.lot.asking() == 200 * UNIT
    d.hall_bid(11, 200 * UNIT)
    assert d.lot.asking() == 220 * UNIT  # band 200-280 steps 20: override over


def test_double_and_manual_increment_and_back_to_ladder():
    d = opened()
    d.hall_bid(11, 100 * UNIT)
    d.command("set_increment", factor="double")
    assert d.lot.asking() == 120 * UNIT
    d.command("set_increment", amount=5 * UNIT)
    assert d.lot.asking() == 105 * UNIT
    d.command("set_increment", factor="ladder")
    assert d.lot.asking() == 110 * UNIT


def test_only_one_lot_open_at_a_time_and_run_list_order():
    d = opened()
    assert d.command("open_lot").code is Code.LOT_ALREADY_OPEN
    d.command("pass")
    assert d.command("open_lot").ok and d.state.current_lot == "2"


def test_floor_bid_for_a_phone_bidder_takes_the_asking_price():
    d = opened()
    answer = d.command("floor_bid", paddle=12)
    assert answer.ok and d.lot.leader.channel == "floor" and d.lot.current_bid == 100 * UNIT
    assert d.command("floor_bid", paddle=12).code is Code.ALREADY_LEADING


def test_duplicate_command_id_is_not_executed_twice_and_is_answered_again():
    d = opened()
    d.hall_bid(11, 200 * UNIT)
    first = d.command("hammer", command_id="h")
    again = d.send(RunCommand(Instruction(command_id="h", action="hammer"), "h1"))
    assert again == [ev.CommandAnsweredAgain("h1/h")] and len(d.state.orders) == 1
    (published,) = outbound.publications(d.state, again)
    assert published.topic == topics.HALL_RESULT.format(hall="h1")
    assert messages.decode(published.payload, messages.CommandResult) == messages.CommandResult("h", "ok", "OK", first.message, first.seq)


def test_orders_are_paid_or_cancelled_once():
    d = opened()
    d.hall_bid(11, 200 * UNIT)
    d.command("hammer")
    (order_id,) = d.state.orders
    assert d.command("mark_paid", order_id=order_id).ok
    assert d.command("cancel_order", order_id=order_id).code is Code.ORDER_NOT_PENDING
    assert d.command("mark_paid", order_id="nope").code is Code.UNKNOWN_ORDER


def test_registrations_during_the_sale():
    d = opened()
    assert d.command("register_paddle", paddle=20, name="Dr Ho").ok
    assert d.command("register_paddle", paddle=20, name="Dr Ho").code is Code.DUPLICATE_REGISTRATION
    assert isinstance(d.hall_bid(20, 100 * UNIT), ev.BidAccepted)


def test_presence_counts_registered_online_bidders_once():
    d = opened()
    assert d.presence("alice", True) and not d.presence("alice", True)
    assert d.presence("mallory", True) == []
    assert d.state.present == {"alice"}
