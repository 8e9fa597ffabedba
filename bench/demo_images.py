"""The demo sale's lot images, drawn by code on first use (free, self-made, nothing to download).

A coin is a milled disc with its legend and date; a stamp is a perforated frame with its value; a
cash-coin hoard is a heap of round coins with square holes. They land in the media folder under
`lots/` (git-ignored), where the screens and the page look for the names in deploy/demo.toml.
"""
from __future__ import annotations

import math
import os
import random
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402

SIZE = 360
GOLD, SILVER, BRONZE = (212, 175, 55), (196, 199, 206), (176, 120, 64)


def _font(size: int) -> pygame.font.Font:
    if not pygame.font.get_init():
        pygame.font.init()
    face = pygame.font.Font(None, size)
    face.set_bold(True)
    return face


def _centred(surface: pygame.Surface, words: str, centre: tuple[int, int], size: int, colour: tuple[int, int, int]) -> None:
    image = _font(size).render(words, True, colour)
    surface.blit(image, image.get_rect(center=centre))


def _darker(colour: tuple[int, int, int], by: float) -> tuple[int, int, int]:
    return (int(colour[0] * by), int(colour[1] * by), int(colour[2] * by))


def _disc(surface: pygame.Surface, centre: tuple[int, int], radius: int, metal: tuple[int, int, int]) -> None:
    """A coin's blank: a milled rim, a raised border and a field."""
    pygame.draw.circle(surface, _darker(metal, 0.55), centre, radius)
    for tooth in range(0, 360, 4):                   # the milling on the edge
        angle = math.radians(tooth)
        outer = (centre[0] + radius * math.cos(angle), centre[1] + radius * math.sin(angle))
        inner = (centre[0] + (radius - 6) * math.cos(angle), centre[1] + (radius - 6) * math.sin(angle))
        pygame.draw.line(surface, _darker(metal, 0.8), inner, outer, 2)
    pygame.draw.circle(surface, metal, centre, radius - 8)
    pygame.draw.circle(surface, _darker(metal, 0.75), centre, radius - 22, 3)


def coin(legend: str, value: str, year: str, metal: tuple[int, int, int]) -> pygame.Surface:
    surface = pygame.Surface((SIZE, SIZE))
    surface.fill((28, 30, 40))
    centre = (SIZE // 2, SIZE // 2)
    _disc(surface, centre, SIZE // 2 - 12, metal)
    ink = _darker(metal, 0.4)
    _centred(surface, legend, (centre[0], centre[1] - 90), 34, ink)
    _centred(surface, value, centre, 110, ink)
    _centred(surface, year, (centre[0], centre[1] + 90), 44, ink)
    return surface


def dragon_coin() -> pygame.Surface:
    """A silver dollar with a dragon's body coiled round the field."""
    surface = coin("", "", "1911", SILVER)
    centre, ink = SIZE // 2, _darker(SILVER, 0.45)
    body = [(centre + int(95 * math.cos(t / 10) * (1 - t / 160)), centre - 10 + int(80 * math.sin(t / 10) * (1 - t / 160)))
            for t in range(0, 100)]
    pygame.draw.lines(surface, ink, False, body, 12)
    pygame.draw.circle(surface, ink, body[0], 16)                        # the head
    _centred(surface, "DRAGON DOLLAR", (centre, centre - 120), 30, ink)
    return surface


def stamp(country: str, value: str, paper: tuple[int, int, int], ink: tuple[int, int, int]) -> pygame.Surface:
    surface = pygame.Surface((SIZE, SIZE))
    surface.fill((28, 30, 40))
    frame = pygame.Rect(50, 20, SIZE - 100, SIZE - 40)
    pygame.draw.rect(surface, (245, 240, 225), frame)
    for x in range(frame.left, frame.right + 1, 16):                     # the perforations
        for y in (frame.top, frame.bottom):
            pygame.draw.circle(surface, (28, 30, 40), (x, y), 6)
    for y in range(frame.top, frame.bottom + 1, 16):
        for x in (frame.left, frame.right):
            pygame.draw.circle(surface, (28, 30, 40), (x, y), 6)
    design = frame.inflate(-36, -36)
    pygame.draw.rect(surface, paper, design)
    pygame.draw.ellipse(surface, ink, (design.centerx - 55, design.top + 40, 110, 140))    # a profile's silhouette
    pygame.draw.rect(surface, ink, (design.centerx - 40, design.top + 150, 80, 50))
    _centred(surface, country, (design.centerx, design.top + 20), 30, (250, 245, 235))
    _centred(surface, value, (design.centerx, design.bottom - 30), 40, (250, 245, 235))
    return surface


def cash_hoard(seed: int = 4) -> pygame.Surface:
    """A heap of Qing cash coins: bronze discs with square holes."""
    surface = pygame.Surface((SIZE, SIZE))
    surface.fill((28, 30, 40))
    rng = random.Random(seed)
    for _ in range(26):
        centre = (rng.randint(50, SIZE - 50), rng.randint(60, SIZE - 40))
        radius = rng.randint(34, 46)
        metal = _darker(BRONZE, rng.uniform(0.7, 1.05))
        pygame.draw.circle(surface, _darker(metal, 0.6), centre, radius)
        pygame.draw.circle(surface, metal, centre, radius - 4)
        hole = radius // 3
        pygame.draw.rect(surface, (28, 30, 40), (centre[0] - hole // 2, centre[1] - hole // 2, hole, hole))
    return surface


DEMO_IMAGES = {
    "lots/1.png": lambda: coin("HONG KONG", "$1", "1941", SILVER),
    "lots/2.png": lambda: stamp("POSTAGE", "ONE PENNY", (20, 20, 24), (70, 70, 80)),
    "lots/3.png": dragon_coin,
    "lots/4.png": cash_hoard,
}


def ensure_demo_images(media: str | Path) -> list[Path]:
    """Draw the demo lots' images into `media` where missing; returns the ones drawn now."""
    drawn = []
    for name, draw in DEMO_IMAGES.items():
        path = Path(media) / name
        if path.is_file():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(draw(), str(path))
        drawn.append(path)
    return drawn


if __name__ == "__main__":
    for made in ensure_demo_images("deploy/media"):
        print(made)
