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
from tests.edge.test_views import ALICE, POLICY, bid, lot, state  # noqa: E402

MAIN, PADDLE = (1920, 1080), (320, 240)


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


def test_mirror_mode_matches_the_main_display_pixel_for_pixel():
    shown = views(mirror=frozenset({12}))
    mirrored, main = surface(PADDLE), surface(PADDLE)
    screens.draw_paddle(mirrored, shown.paddles[12], media="/nonexistent")
    screens.draw_main(main, shown.main, media="/nonexistent")
    assert pygame.image.tobytes(mirrored, "RGB") == pygame.image.tobytes(main, "RGB")


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
