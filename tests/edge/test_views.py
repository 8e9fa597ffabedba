"""Each display's view model, derived from the hall box's state: what a person reads, without pixels."""
from dataclasses import replace

from edge.core.hall import BidRecord, HallState, PaddleState
from edge.core.press import PressPolicy
from edge.core.views import NoticeLine, all_views, clock_time, main_view, paddle_view
from shared import messages

HALL, ALICE = messages.Leader("hall", "Paddle 11 · Mrs Chan", paddle=11, name="Mrs Chan"), messages.Leader(
    "online", "alice_hk", handle="alice_hk", avatar="avatars/alice.png")
POLICY = PressPolicy()


def lot(status="open", leader=HALL, current=80_000, asking=85_000, **extra) -> messages.LotState:
    return messages.LotState("s", "1", "Proof dollar", "english", status, "HKD", asking, current, leader, 1, False, 3,
                             estimate_low=100_000, estimate_high=150_000, **extra)


def state(current: messages.LotState | None, link_up=True, **paddles) -> HallState:
    hall = HallState("s", "hall1", {n: PaddleState(n) for n in (11, 12)}, current, link_up, 100.0)
    for number, bids in paddles.items():
        hall.paddles[int(number[1:])].bids = bids
    return hall


def bid(amount, status, message="", lot_id="1") -> BidRecord:
    return BidRecord(f"b{amount}", lot_id, amount, 0, 0, 0, status, message)


def test_main_display_names_the_hall_leader_with_paddle_and_name():
    view = main_view(state(lot()), 110.0, 0)
    assert (view.current, view.asking, view.banner) == ("800 HKD", "Asking 850 HKD", "OPEN")
    assert view.leader.label == "Paddle 11 · Mrs Chan" and view.leader.channel == "hall"
    assert view.estimate == "Estimate 1,000 HKD - 1,500 HKD"


def test_main_display_shows_the_online_leader_with_handle_and_avatar():
    view = main_view(state(lot(leader=ALICE)), 110.0, 0)
    assert (view.leader.label, view.leader.avatar) == ("alice_hk", "avatars/alice.png")


def test_sold_and_passed_are_unmistakable():
    assert main_view(state(lot("sold")), 0, 0).banner == "SOLD to Paddle 11 · Mrs Chan for 800 HKD"
    assert main_view(state(lot("passed", leader=None, current=None, asking=None)), 0, 0).banner == "PASSED"
    assert main_view(state(lot("paused")), 0, 0).banner == "PAUSED"
    assert main_view(state(lot("fair_warning")), 0, 0).banner == "FAIR WARNING"


def test_dutch_clock_falls_on_screen():
    clock = messages.DutchClock(1_000_000, 500_000, 0, 10_000, "steps", 1_000, 1_000_000)
    dutch = messages.LotState("s", "3", "Dragon", "dutch", "open", "HKD", 1_000_000, None, None, 0, True, 4, dutch=clock)
    early, late = main_view(state(dutch), 0, 1_000), main_view(state(dutch), 0, 6_000)
    assert early.clock.price == "9,500 HKD" and late.clock.price == "7,000 HKD" and late.clock.remaining < early.clock.remaining


def test_link_down_is_shown_with_the_bids_kept():
    hall = state(lot(), link_up=False)
    hall.waiting = 3
    assert main_view(hall, 112.0, 0).link == "cloud link DOWN for 12 s; 3 bids kept, sent when it returns"


def test_paddle_leading_outbid_rejected_and_won():
    lead = paddle_view(state(lot(), p11=[bid(80_000, "accepted")]), 11, "Mrs Chan", POLICY)
    assert (lead.headline, lead.tone) == ("YOU LEAD", "lead")
    outbid = paddle_view(state(lot(leader=ALICE, current=85_000, asking=90_000), p11=[bid(80_000, "accepted")]), 11, "Mrs Chan", POLICY)
    assert (outbid.headline, outbid.detail, outbid.tone) == ("OUTBID", "asking 900 HKD", "outbid")
    refused = paddle_view(state(lot(), p12=[bid(80_000, "rejected", "outbid: asking is now 850 HKD")]), 12, "Mr Lee", POLICY)
    assert (refused.headline, refused.detail) == ("NOT ACCEPTED", "outbid: asking is now 850 HKD")
    won = paddle_view(state(lot("sold"), p11=[bid(80_000, "accepted")]), 11, "Mrs Chan", POLICY)
    assert (won.headline, won.tone) == ("SOLD TO YOU", "won")


def test_outbid_shows_on_the_right_paddle_only():
    views = all_views(state(lot(leader=ALICE, current=85_000, asking=90_000), p11=[bid(80_000, "accepted")]),
                      {11: "Mrs Chan", 12: "Mr Lee"}, [], POLICY, frozenset(), 0, 0)
    assert views.paddles[11].headline == "OUTBID" and views.paddles[12].headline == "LOT 1"


def test_a_bid_kept_while_the_link_is_down():
    view = paddle_view(state(lot(), link_up=False, p12=[bid(85_000, "queued")]), 12, "Mr Lee", POLICY)
    assert (view.headline, view.detail, view.tone) == ("BID KEPT", "kept until the link returns", "pending")


def test_force_bar_and_tier_marks():
    hall = state(lot())
    hall.paddles[11].force, hall.paddles[11].pressed = 3_750, True
    view = paddle_view(hall, 11, "Mrs Chan", POLICY)
    assert view.force == 0.5 and view.pressed and view.marks == (2_500 / 7_500, 5_000 / 7_500)


def test_mirror_mode_carries_the_main_view():
    views = all_views(state(lot()), {11: "Mrs Chan"}, [], POLICY, frozenset({12}), 0, 0)
    assert views.paddles[12].mirror == views.main and views.paddles[11].mirror is None


def test_auctioneer_sees_reserve_history_with_time_and_channel_intents_and_run_list():
    history = (messages.HistoryEntry(80_000, "Paddle 11 · Mrs Chan", "hall", 3, 3_600_000 * 10 + 61_000),
               messages.HistoryEntry(85_000, "alice_hk", "online", 4, 3_600_000 * 10 + 62_000))
    hall = state(lot(leader=ALICE, history=history))
    hall.intents, hall.lot_statuses = [(12, 400)], {"1": "open"}
    hall.stamp(3_600_000 * 10 + 63_000)
    view = all_views(hall, {}, [("1", "Proof dollar"), ("2", "Penny Black")], POLICY, frozenset(), 0, 0, utc_offset_s=8 * 3600).auctioneer
    assert view.reserve == "reserve NOT met"
    assert view.history[0].text.startswith("18:01:02") and "alice_hk" in view.history[0].text
    assert [line.channel for line in view.history] == ["online", "hall"]
    assert view.intents == ("18:01:03  paddle 12: light touch 400 g",)
    assert view.run_list == (("1", "Proof dollar", "open"), ("2", "Penny Black", "pending"))


def test_clock_time_wraps_at_midnight():
    assert clock_time(86_399_000, 3_600) == "00:59:59"


DUTCH = messages.DutchClock(1_000_000, 500_000, 0, 10_000, "steps", 1_000, 1_000_000)


def dutch(status="open", **extra) -> messages.LotState:
    return messages.LotState("s", "3", "Dragon", "dutch", status, "HKD", 1_000_000, None, None, 0, True, 4, dutch=DUTCH,
                             at_ms=0, **extra)


def test_every_paddle_names_the_dutch_clock_price_by_the_arbiters_clock_never_the_top():
    views = all_views(state(dutch(), p11=[bid(950_000, "rejected", "too late")]), {}, [], POLICY, frozenset(), 0, 6_000)
    assert views.paddles[12].detail == "clock at 7,000 HKD"
    assert views.main.clock.price == "7,000 HKD" and views.main.asking == ""
    assert views.auctioneer.asking == "clock at 7,000 HKD"


def test_after_sold_no_clock_is_drawn_and_the_result_says_how():
    sold = replace(dutch("sold"), current_bid=700_000, leader=HALL, bids=1)
    view = main_view(state(sold), 0, 9_000)
    assert view.clock is None
    assert (view.banner, view.reason, view.current_caption, view.leader_caption) == (
        "SOLD to Paddle 11 · Mrs Chan for 7,000 HKD", "accepted on the Dutch clock", "Hammer price", "Bought by")
    assert all_views(state(sold), {}, [], POLICY, frozenset(), 0, 9_000).auctioneer.asking.startswith("SOLD to Paddle 11")


def test_a_passed_lot_shows_its_reason_and_no_leader():
    passed = lot("passed", current=55_000, asking=None)
    view = main_view(state(passed), 0, 0)
    assert view.leader is None and view.asking == ""
    assert (view.banner, view.reason, view.current_caption) == ("PASSED", "reserve not met: highest bid 550 HKD", "Highest bid")
    assert paddle_view(state(passed), 11, "Mrs Chan", POLICY).detail == "passed: reserve not met: highest bid 550 HKD"
    assert main_view(state(dutch("passed")), 0, 0).reason == "the clock reached its floor with no acceptance"


def test_fair_warning_shows_on_every_paddle_not_only_the_mirror():
    views = all_views(state(lot("fair_warning"), p11=[bid(80_000, "accepted")]), {}, [], POLICY, frozenset({12}), 0, 0)
    assert [views.paddles[n].banner for n in (11, 12)] == ["FAIR WARNING", "FAIR WARNING"]
    assert all_views(state(lot()), {}, [], POLICY, frozenset(), 0, 0).paddles[11].banner == ""


def test_light_touches_expire_with_their_lot():
    hall = state(lot())
    hall.intents.append((12, 400))
    hall.stamp(1_000)
    assert all_views(hall, {}, [], POLICY, frozenset(), 0, 0).auctioneer.intents == ("00:00:01  paddle 12: light touch 400 g",)
    hall.lot = replace(lot(), lot="2")
    hall.stamp(2_000)
    assert all_views(hall, {}, [], POLICY, frozenset(), 0, 0).auctioneer.intents == ()


def test_notices_keep_their_whole_text_and_carry_their_time_newest_first():
    hall = state(lot())
    late = "late: lot 1 was sold +19 ms before your bid of 1,100 HKD (Paddle 12 · Mrs Chan-Wong)"
    hall.note("ok: fair warning")
    hall.stamp(3_600_000)
    hall.note(late)
    hall.stamp(3_601_000)
    assert all_views(hall, {}, [], POLICY, frozenset(), 0, 0).auctioneer.notices == (
        NoticeLine("01:00:01", late), NoticeLine("01:00:00", "ok: fair warning"))
