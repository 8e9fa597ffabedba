"""Press detection, one behaviour per test: edges and force samples in, decisions out. Pure."""
from edge.core.hall import bid_amount
from edge.core.press import PaddleTracker, PressDecided, PressPolicy, PressReleased, Touched
from shared import messages

MS = 1000
PERIOD = 12_500  # us at 80 samples per second


def decisions(outputs):
    return [o for o in outputs if not type(o).__name__ == "ForceNow"]


def run(script):
    """script: (t_ms, 'edge', closed) or (t_ms, 'g', grams) or (t_ms, 'tick')."""
    tracker = PaddleTracker(7, PressPolicy())
    out = []
    for t_ms, kind, *value in script:
        t = int(t_ms * MS)
        if kind == "edge":
            out += tracker.edge(value[0], t)
        elif kind == "g":
            out += tracker.sample(value[0], t)
        else:
            out += tracker.tick(t)
    return decisions(out)


def press(peak, hold_ms=100, before=0):
    """Force already built at the end of travel, switch closes at t=20 ms, samples every 12.5 ms."""
    script = [(0, "g", before), (7.5, "g", peak // 2), (20, "edge", True)]
    t = 20.0
    for _ in range(int(hold_ms // 12.5)):
        t += 12.5
        script.append((t, "g", peak))
    script.append((20 + hold_ms, "edge", False))
    return run(script)


def test_light_press_bids_the_asking_price():
    decided = press(1_000)[0]
    assert isinstance(decided, PressDecided) and decided.tier == 0


def test_firm_press_is_one_increment_and_hard_press_two():
    assert press(3_000)[0].tier == 1
    assert press(7_000)[0].tier == 2


def test_decided_at_the_second_sample_after_the_edge():
    decided = press(3_000)[0]
    assert decided.decided_us - decided.pressed_us == 25_000


def test_an_early_decision_can_only_bid_less_than_meant_never_more():
    half_risen = run([(0, "g", 0), (7.5, "g", 0), (20, "edge", True), (32.5, "g", 3_500), (45, "g", 7_000), (200, "edge", False)])
    assert half_risen[0].tier < 2 and half_risen[-1].peak_grams >= 3_500


def test_a_hard_press_is_decided_as_soon_as_the_filtered_force_is_hard():
    tracker = PaddleTracker(7, PressPolicy(decide_samples=3))
    tracker.sample(7_000, 0), tracker.sample(7_000, 12_500)
    tracker.edge(True, 13_000)
    decided = [o for o in tracker.sample(7_000, 25_000) if isinstance(o, PressDecided)]
    assert decided and decided[0].tier == 2 and decided[0].decided_us == 25_000


def test_press_detail_follows_with_peak_and_duration():
    released = press(4_200, hold_ms=300)[-1]
    assert released == PressReleased(7, 4_200, 300, 20_000)


def test_a_press_with_no_force_rise_is_still_a_bid_at_asking():
    out = run([(0, "edge", True), (12.5, "g", 0), (25, "g", 0), (37.5, "g", 0), (200, "edge", False)])
    assert out[0].tier == 0 and out[1].peak_grams == 0


def test_a_silent_load_cell_cannot_swallow_a_bid():
    out = run([(0, "edge", True), (90, "tick"), (101, "tick")])
    assert len(out) == 1 and out[0].tier == 0 and out[0].decided_us == 101_000


def test_a_quick_tap_inside_the_bounce_lockout_is_still_a_bid_and_the_paddle_is_released():
    out = run([(0, "g", 0), (5, "edge", True), (10, "edge", False), (40, "tick")])
    assert [type(o) for o in out] == [PressDecided, PressReleased] and out[1].duration_ms == 5
    out = run([(0, "g", 0), (5, "edge", True), (50, "edge", False)])
    assert [type(o) for o in out] == [PressDecided, PressReleased]


def test_contact_bounce_is_ignored():
    out = run([(0, "edge", True), (3, "edge", False), (6, "edge", True), (12.5, "g", 0), (25, "g", 0), (37.5, "g", 0),
               (100, "edge", False), (103, "edge", True)])
    assert [type(o) for o in out] == [PressDecided, PressReleased]


def test_bounce_on_release_ends_released():
    out = run([(0, "edge", True), (12.5, "g", 0), (25, "g", 0), (37.5, "g", 0), (100, "edge", False), (102, "edge", True),
               (104, "edge", False), (140, "tick")])
    assert [type(o) for o in out] == [PressDecided, PressReleased]


def test_one_glitch_sample_cannot_make_a_jump_bid():
    out = run([(0, "g", 0), (10, "edge", True), (12.5, "g", 90_000), (25, "g", 800), (37.5, "g", 800), (100, "edge", False)])
    assert out[0].tier == 0


def test_light_touch_without_the_button_is_intent_only():
    out = run([(0, "g", 0), (12.5, "g", 400), (25, "g", 600), (37.5, "g", 500), (50, "g", 0), (62.5, "g", 0)])
    assert out == [Touched(7, 500, 62_500)]


def test_touch_that_becomes_a_press_is_not_intent():
    out = run([(0, "g", 300), (12.5, "g", 400), (20, "edge", True), (25, "g", 3_000), (37.5, "g", 3_000),
               (60, "edge", False), (72.5, "g", 0), (85, "g", 0)])
    assert not any(isinstance(o, Touched) for o in out)


LOT = messages.LotState("s", "1", "Coin", "english", "open", "HKD", 85_000, 80_000, None, 1, False, 3, jumps=(85_000, 90_000, 95_000))


def test_bid_amount_names_the_tier_rung_explicitly():
    assert [bid_amount(LOT, tier, 0) for tier in (0, 1, 2, 5)] == [85_000, 90_000, 95_000, 95_000]


def test_no_lot_no_amount():
    assert bid_amount(None, 0, 0) is None
    closed = messages.LotState("s", "1", "Coin", "english", "sold", "HKD", None, 80_000, None, 1, True, 3)
    assert bid_amount(closed, 0, 0) is None


def test_dutch_press_accepts_the_clock_price_now():
    clock = messages.DutchClock(10_000, 5_000, 1_000, 11_000, "steps", 1_000, 10_000)
    dutch = messages.LotState("s", "3", "Dragon", "dutch", "open", "HKD", 10_000, None, None, 0, True, 4, dutch=clock)
    assert bid_amount(dutch, 2, 4_500) == 8_500


def test_a_sample_read_before_the_edge_but_delivered_after_it_is_not_a_sample_after_the_press():
    """Readings come from the sampler process stamped with the time they were read; one read just
    before the switch closed can reach the loop after the edge, and must not count towards the two."""
    out = run([(0, "g", 0), (20, "edge", True), (19, "g", 3_000), (32.5, "g", 6_000), (45, "g", 6_000)])
    decided = [o for o in out if isinstance(o, PressDecided)]
    assert len(decided) == 1 and decided[0].decided_us == 45 * MS and decided[0].tier == 2
