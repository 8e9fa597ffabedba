"""The demo's lots have images: drawn by code on first use, and drawn by the screens, not placeholders."""
from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"

from bench.demo_images import DEMO_IMAGES, ensure_demo_images  # noqa: E402
from edge import screens  # noqa: E402
from edge.config import load  # noqa: E402
from edge.screens import pygame  # noqa: E402


def test_every_demo_lot_has_an_image_drawn_on_first_use_and_kept(tmp_path):
    names = [lot.image for lot in load().lots]
    assert names and all(name in DEMO_IMAGES for name in names), names
    assert sorted(p.name for p in ensure_demo_images(tmp_path)) == sorted(n.rsplit("/", 1)[1] for n in DEMO_IMAGES)
    assert ensure_demo_images(tmp_path) == []                              # the second use keeps them
    for name in names:
        image = pygame.image.load(str(tmp_path / name))
        assert image.get_size() == (360, 360) and len({image.get_at((x, 180))[:3] for x in range(0, 360, 6)}) > 3


def test_the_screens_draw_the_lot_image_not_its_placeholder(tmp_path):
    ensure_demo_images(tmp_path)
    screens.init()
    drawn = screens.picture(str(tmp_path), "lots/2.png", 120)
    placeholder = screens.picture(str(tmp_path / "missing"), "lots/2.png", 120)
    assert pygame.image.tobytes(drawn, "RGB") != pygame.image.tobytes(placeholder, "RGB")
    assert drawn.get_at((60, 3))[:3] != placeholder.get_at((60, 3))[:3]
