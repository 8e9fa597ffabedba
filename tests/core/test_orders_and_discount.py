"""The order for the winner, the capped press discount, the invoice and the post-sale report."""
import pytest

from cloud.core.discounts import DiscountPolicy
from cloud.core.views import invoice_text, sale_report
from tests.core.driver import UNIT, Driver

POLICY = DiscountPolicy()


@pytest.mark.parametrize("grams, ms, bp", [
    (1_000, 200, 0),          # light and short: nothing
    (6_000, 200, 100),        # full force only
    (1_000, 2_000, 100),      # full hold only
    (3_750, 1_150, 100),      # half + half
    (8_000, 5_000, 150),      # both full: capped at 150
    (25_000, 1_000, 0),       # beyond the sensor's range: a glitch earns nothing
    (5_000, 20_000, 0),       # held 20 s: stuck or leaning, earns nothing
    (10, 1_000, 0),           # below the range
])
def test_discount_policy_table(grams, ms, bp):
    assert POLICY.earned_bp(grams, ms) == bp


def test_absolute_cap_and_rounding_down():
    assert DiscountPolicy(cap_minor=5_000).discount(1_000_000, 8_000, 5_000) == 5_000
    assert POLICY.discount(999, 8_000, 5_000) == 14  # 1.5% of 999 = 14.985, rounded down


def sold_with_press(grams: int, ms: int, channel: str = "hall") -> Driver:
    d = Driver().start()
    d.command("open_lot", lot="2")
    if channel == "hall":
        d.hall_bid(11, 200 * UNIT, bid_id="win", lot="2")
        d.press("win", grams, ms)
    else:
        d.online_bid("alice", 200 * UNIT, lot="2")
    d.command("hammer")
    return d


def test_winning_hall_press_earns_its_discount_on_the_order():
    (order,) = sold_with_press(8_000, 5_000).state.orders.values()
    assert order.discount_bp == 150 and order.discount == 200 * UNIT * 150 // 10_000
    assert order.total == order.hammer + order.premium - order.discount
    assert (order.press_grams, order.press_ms) == (8_000, 5_000)


def test_online_winner_earns_no_press_discount():
    (order,) = sold_with_press(0, 0, channel="online").state.orders.values()
    assert order.discount == 0


def test_press_detail_recorded_once():
    d = Driver().start()
    assert d.press("x", 2_000, 500) and d.press("x", 9_000, 900) == []


def test_invoice_names_buyer_lot_and_every_line():
    (order,) = sold_with_press(8_000, 5_000).state.orders.values()
    text = invoice_text(order)
    for line in ("Paddle 11 · Mrs Chan", "Lot 2: Penny Black", "Hammer price", "200 HKD", "Buyer's premium", "50 HKD",
                 "Press discount", "-3 HKD", "Total due", "247 HKD", "PENDING"):
        assert line in text


def test_post_sale_report_lists_every_lot_with_result_buyer_channel_and_late_bids():
    d = Driver().start()
    d.command("open_lot")
    d.hall_bid(11, 200 * UNIT)
    d.command("hammer")
    d.online_bid("bob", 220 * UNIT, advance_ms=300)
    d.command("open_lot")
    d.command("pass")
    report = sale_report(d.state)
    lines = report.splitlines()
    assert "sold" in lines[2] and "200 HKD" in lines[2] and "Paddle 11 · Mrs Chan" in lines[2] and "hall" in lines[2]
    assert "bob.collects 220 HKD (+300 ms)" in lines[2]
    assert "passed" in lines[3]
    assert "pending" in lines[4]
    assert lines[-1] == "1 sold of 3; hammer total 200 HKD"
