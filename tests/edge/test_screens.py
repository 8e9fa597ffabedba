"""The renderers draw what the views say: checked on real pygame surfaces (SDL_VIDEODRIVER=dummy)."""
from __future__ import annotations

import os
import time
from dataclasses import replace

os.environ["SDL_VIDEODRIVER"] = "dummy"

from edge import screens  # noqa: E402
from edge.config import DisplayConfig  # noqa: E402
from edge.core.views import all_views  # noqa: E402
from edge.display import Display, framebuffer_bytes  # noqa: E402
from edge.screens import pygame  # noqa: E402
from shared import messages  # noqa: E402
from tests.edge.test_views import ALICE, POLICY, bid, lot, state  # noqa: E402

MAIN, PADDLE, AUCTIONEER = (1920, 1080), (320, 240), (1280, 800)


def surface(size):
    screens.init()
    return pygame.Surface(size)


def views(current=None, mirror=frozenset(), **paddles):
    return all_views(state(current or lot(), **paddles), {11: "Mrs Chan", 12: "Mr Lee"}, [("1", "Proof dollar")], POLICY, mirror, 0, 0)


def ink_in(canvas, rect) -> int:
    """Pixels of the light text colour inside `rect`: text was drawn there."""
    area = canvas.subsurface(pygame.Rect(rect))
    return sum(1 for x in range(0, area.get_width(), 2) for y in range(0, area.get_height(), 2)
               if sum(area.get_at((x, y))[:3]) > 600)


def colours_in(canvas, rect) -> set[tuple[int, int, int]]:
    area = canvas.subsurface(pygame.Rect(rect))
    return {tuple(area.get_at((x, y))[:3]) for x in range(area.get_width()) for y in range(area.get_height())}


def test_banner_colour_follows_the_lot_state():
    canvas = surface(MAIN)
    for status, colour in (("open", screens.STATUS["open"]), ("sold", screens.STATUS["sold"]), ("fair_warning", screens.STATUS["fair_warning"])):
        screens.draw_main(canvas, views(lot(status)).main, media="/nonexistent")
        assert canvas.get_at((5, 5))[:3] == colour


def test_the_leader_appears_after_a_bid():
    leader_area = (60 + 7 * 30, 28 * 30 + 60, 800, 90)
    canvas = surface(MAIN)
    screens.draw_main(canvas, views(lot(leader=None, current=None)).main, media="/nonexistent")
    assert ink_in(canvas, leader_area) == 0
    screens.draw_main(canvas, views(lot()).main, media="/nonexistent")
    assert ink_in(canvas, leader_area) > 200


def test_online_leader_avatar_is_drawn_from_the_media_folder_even_when_it_arrives_later(tmp_path):
    (tmp_path / "avatars").mkdir()
    canvas = surface(MAIN)
    screens.draw_main(canvas, views(lot(leader=ALICE)).main, media=str(tmp_path))
    assert canvas.get_at((60 + 30 + 75, 28 * 30 + 75))[:3] != (1, 200, 3)      # a placeholder until it arrives
    avatar = pygame.Surface((40, 40))
    avatar.fill((1, 200, 3))
    pygame.image.save(avatar, str(tmp_path / "avatars" / "alice.png"))       # the house published it meanwhile
    screens.draw_main(canvas, views(lot(leader=ALICE)).main, media=str(tmp_path))
    assert canvas.get_at((60 + 30 + 75, 28 * 30 + 75))[:3] == (1, 200, 3)


def test_outbid_paints_the_right_paddle_red_and_the_leader_green():
    shown = views(lot(leader=ALICE, current=85_000, asking=90_000), p11=[bid(80_000, "accepted")])
    canvas = surface(PADDLE)
    screens.draw_paddle(canvas, shown.paddles[11])
    assert canvas.get_at((300, 100))[:3] == screens.TONES["outbid"]
    shown = views(lot(), p11=[bid(80_000, "accepted")])
    screens.draw_paddle(canvas, shown.paddles[11])
    assert canvas.get_at((300, 100))[:3] == screens.TONES["lead"]


def test_force_bar_fills_to_the_pressed_force():
    shown = views()
    paddle = replace(shown.paddles[11], force=0.5, pressed=True)
    canvas = surface(PADDLE)
    screens.draw_paddle(canvas, paddle)
    bar_y = 240 - 2 * 10
    assert canvas.get_at((10 + 40, bar_y))[:3] == (255, 255, 255)
    assert canvas.get_at((310 - 20, bar_y))[:3] == (30, 30, 30)


def test_a_mirrored_paddle_gets_a_layout_for_its_panel_readable_at_arms_length():
    shown = views(lot(leader=ALICE), mirror=frozenset({12}))
    canvas = surface(PADDLE)
    placed = screens.draw_paddle(canvas, shown.paddles[12], media="/nonexistent")
    words = [p.words for p in placed]
    assert words[:4] == ["OPEN", "Lot 1  Proof dollar", "Current bid: 800 HKD", "Asking 850 HKD"] and "alice_hk" in words
    assert min(p.box.height for p in placed) >= PADDLE[1] // 16          # 15 px and more, not the 3-5 px of a shrunk 1080p
    assert all(canvas.get_rect().contains(p.box) for p in placed)


def test_fair_warning_is_painted_on_every_paddle():
    shown = views(lot("fair_warning"), mirror=frozenset({12}), p11=[bid(80_000, "accepted")])
    for number in (11, 12):
        canvas = surface(PADDLE)
        placed = screens.draw_paddle(canvas, shown.paddles[number], media="/nonexistent")
        banner = next(p for p in placed if p.words == "FAIR WARNING")
        assert canvas.get_at((2, banner.box.centery))[:3] == screens.STATUS["fair_warning"]


def test_bid_list_colours_come_from_the_channel_field():
    history = (messages.HistoryEntry(100_000, "Paddle 11 · Mrs Chan", "hall", 3, 0),
               messages.HistoryEntry(110_000, "alice_hk", "online", 4, 1_000))
    canvas = surface(AUCTIONEER)
    placed = screens.draw_auctioneer(canvas, views(lot(leader=ALICE, history=history)).auctioneer)
    for label, channel in (("alice_hk", "online"), ("Mrs Chan", "hall")):
        box = next(p.box for p in placed if label in p.words)
        assert colours_in(canvas, box) & {screens.CHANNEL[channel]}, f"{label} not drawn in the {channel} colour"


def test_notices_wrap_whole_with_their_time_and_the_oldest_scroll_off():
    hall = state(lot())
    late = "late: lot 1 was sold 19 ms before your bid of 1,200 HKD from Paddle 12 · Mrs Chan-Wong, recorded for the report"
    for minute in range(30):
        hall.note(f"ok: notice {minute}")
        hall.stamp(minute * 60_000)
    hall.note(late)
    hall.stamp(31 * 60_000)
    shown = all_views(hall, {}, [], POLICY, frozenset(), 0, 0).auctioneer
    canvas = surface(AUCTIONEER)
    placed = screens.draw_auctioneer(canvas, shown)
    notices = [p for p in placed if p.panel.x >= AUCTIONEER[0] // 2 and p.panel.y > 300]
    assert notices[0].words == "00:31:00"
    assert " ".join(p.words for p in notices[1:]).startswith(late)        # wrapped, nothing cut
    assert len({p.box.y for p in notices if p.words.startswith("late") or p.words in late}) > 1
    assert "ok: notice 29" in [p.words for p in notices] and "ok: notice 0" not in [p.words for p in notices]
    assert all(ink_in(canvas, p.box) > 0 for p in notices if not p.words[:2].isdigit())   # the texts, in ink


def test_every_text_lies_inside_its_panel_on_every_screen():
    passed = lot("passed", current=55_000, asking=None)
    clock = messages.DutchClock(1_000_000, 500_000, 0, 10_000, "steps", 1_000, 1_000_000)
    dutch = messages.LotState("s", "3", "A very long title for a dragon dollar struck in 1866 at the Hong Kong mint", "dutch",
                              "open", "HKD", 1_000_000, None, None, 0, True, 4, dutch=clock, image="lots/3.png")
    hall = state(lot(leader=ALICE, history=tuple(messages.HistoryEntry(80_000 + n, "A rather long bidder name · Mrs Chan-Wong", "hall", n, n)
                                                 for n in range(20))))
    for n in range(12):
        hall.note(f"notice {n}: " + "a long notice about a late bid of 1,200 HKD " * 3)
    hall.stamp(0)
    for shown in (views(passed, mirror=frozenset({12})), views(dutch, mirror=frozenset({12})),
                  all_views(hall, {11: "Mrs Chan"}, [(str(n), f"Lot number {n}") for n in range(40)], POLICY, frozenset({12}), 0, 0)):
        for size, draw, view in ((MAIN, screens.draw_main, shown.main), (AUCTIONEER, screens.draw_auctioneer, shown.auctioneer),
                                 (PADDLE, screens.draw_paddle, shown.paddles[11]), (PADDLE, screens.draw_paddle, shown.paddles[12])):
            canvas = surface(size)
            for placed in draw(canvas, view):
                assert placed.panel.contains(placed.box) and canvas.get_rect().contains(placed.box), (placed.words, placed.box, placed.panel)


def test_framebuffer_pixel_formats():
    canvas = surface((4, 2))
    canvas.fill((255, 0, 0))
    packed = framebuffer_bytes(canvas, 16)
    assert len(packed) == 4 * 2 * 2 and packed[:2] == (0xF800).to_bytes(2, "little")
    assert framebuffer_bytes(canvas, 32)[:4] == bytes([0, 0, 255, 255])


def test_display_loop_draws_changes_at_most_fps_and_writes_snapshots(tmp_path):
    config = DisplayConfig(main="png", paddles="png", size=[640, 360], fps=20)
    display = Display(config, headless=True).start()
    try:
        start = time.monotonic()
        for amount in range(10):
            display.show(views(lot(current=80_000 + amount)))
        time.sleep(0.3)
        assert display.stats.frames <= 1 + int((time.monotonic() - start) * 20) + 1
        display.snapshot(tmp_path, "x")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["x-auctioneer.png", "x-main.png", "x-paddle-11.png", "x-paddle-12.png"]
        assert pygame.image.load(str(tmp_path / "x-main.png")).get_size() == (640, 360)
    finally:
        display.stop()


def test_framebuffer_sink_writes_each_paddle_frame(tmp_path):
    device = tmp_path / "fb1"
    config = DisplayConfig(main="none", paddles="framebuffer", framebuffers={"11": str(device)}, paddle_size=[32, 24])
    display = Display(config, headless=True).start()
    try:
        display.show(views())
        deadline = time.monotonic() + 3
        while not device.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert device.stat().st_size == 32 * 24 * 4
    finally:
        display.stop()


def test_an_invoice_notice_keeps_its_lines_and_a_long_title_in_the_run_list_wraps_whole():
    assert screens.wrap("INVOICE s-1-19  [PENDING]\nBuyer: alice_hk (online)", 26, 600) == ["INVOICE s-1-19  [PENDING]", "Buyer: alice_hk (online)"]
    title = "Hong Kong 1941 $1 proof, King George VI, uncirculated and certified"
    canvas = surface(AUCTIONEER)
    placed = screens.draw_auctioneer(canvas, all_views(state(lot()), {}, [("1", title)], POLICY, frozenset(), 0, 0).auctioneer)
    runs = [p for p in placed if p.panel != canvas.get_rect() and p.panel.x < AUCTIONEER[0] // 4]
    assert " ".join(p.words for p in runs[1:]) == f"pending: {title}" and len(runs) > 2


def test_a_paddle_shows_a_long_reason_whole_on_two_lines():
    shown = views(lot("passed", current=55_000, asking=None))
    canvas = surface(PADDLE)
    placed = screens.draw_paddle(canvas, shown.paddles[12])
    detail = [p for p in placed if p.panel != canvas.get_rect()]
    assert [p.words for p in detail] == ["passed: reserve not met: highest bid", "550 HKD"]     # the amount kept whole
    assert all(canvas.get_rect().contains(p.box) for p in placed)


def test_a_display_without_a_screen_keeps_its_frames_for_snapshots_instead_of_an_offscreen_window(tmp_path, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "offscreen")           # what SDL quietly picks with no screen
    display = Display(DisplayConfig(main="window", paddles="tiles", size=[64, 36]), headless=False).start()
    try:
        assert display.ready.wait(5) and display.headless
        display.show(views())
        display.snapshot(tmp_path, "x")
        assert (tmp_path / "x-main.png").is_file()
    finally:
        display.stop()
