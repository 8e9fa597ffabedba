"""The benchmark measures what it claims: a short run yields every figure and every flood bid accepted."""
import pytest

from bench.__main__ import percentile, run
from cloud.parity import PARITY_MS

pytestmark = pytest.mark.broker


def test_percentile_picks_from_the_samples():
    assert percentile([5, 1, 3, 2, 4], 50) == 3 and percentile([5, 1, 3, 2, 4], 99) == 5


def test_short_bench_run_reports_every_figure():
    figures = run(bids=40, flood=400, presses=6, online_bidders=40, pairs=12, kernel_events=3_000, backoffice=False)
    for key in ("raw_rtt_ms_p50", "raw_rtt_ms_p99", "bid_to_result_ms_p50", "bid_to_result_ms_p99",
                "raw_qos1_msgs_per_s", "arbiter_bids_per_s"):
        assert figures[key] > 0, key
    assert figures["arbiter_bids_accepted"] == 400
    assert figures["raw_rtt_ms_p50"] <= figures["raw_rtt_ms_p99"]
    assert figures["sample_period_ms"] == 12.5 and figures["presses"] == 6
    assert 12.5 < figures["press_to_bid_ms_p99"] < figures["press_to_result_ms_p99"]
    assert 0 <= figures["press_tier_accuracy"] <= 1
    assert figures["presses_seen_on_screen"] == 6 and 0 < figures["press_to_pixels_ms_p99"] < 1000
    assert 0 < figures["render_main_ms_p99"] and 0 < figures["render_paddle_ms_p99"]
    assert 0 < figures["pin_check_ms_p50"] and 0 < figures["video_frame_ms_p99"]
    assert figures["simultaneous_pairs"] >= 10 and 0 <= figures["hall_win_share_simultaneous"] <= 1
    assert figures["online_bid_to_result_ms_p99"] > figures["parity_ms"] == PARITY_MS   # the bump holds every online bid
    assert 0 <= figures["hx711_resets_per_1000_reads"] < 1000 and abs(figures["pair_skew_ms_p50"]) < 50
    assert figures["online_bidders"] == 40 and 0 < figures["online_fanout_ms_p50"] <= figures["online_fanout_ms_p99"] < 10_000
    assert figures["kernel_journal_events"] >= 3_000 and figures["replay_events_per_s"] > 0 and figures["start_ms"] > 0
