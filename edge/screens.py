"""Draws the view models with pygame: the only module that imports it. Pixels only, no decisions.

Every function draws one view onto a surface of any size; layouts scale with the surface height.
Images (lot photos, avatars) come from the media folder by the names in the catalog; a missing file
is drawn as a placeholder with the name's initials, never an error on sale day.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402

from edge.core.views import AuctioneerView, MainView, PaddleView  # noqa: E402

INK, PAPER, DIM = (240, 240, 235), (18, 20, 28), (150, 150, 160)
TONES = {"lead": (24, 140, 70), "won": (24, 140, 70), "outbid": (190, 40, 40), "closed": (70, 70, 80),
         "pending": (200, 140, 20), "neutral": (40, 60, 110)}
STATUS = {"open": (24, 140, 70), "fair_warning": (220, 150, 0), "paused": (120, 120, 130), "sold": (170, 30, 30),
          "passed": (90, 90, 100), "pending": (60, 60, 70)}
CHANNEL = {"hall": (80, 160, 255), "floor": (160, 120, 255), "online": (255, 160, 60)}


def init() -> None:
    if not pygame.font.get_init():
        pygame.font.init()


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> pygame.font.Font:
    init()
    chosen = pygame.font.Font(None, max(8, size))
    chosen.set_bold(bold)
    return chosen


def text(surface: pygame.Surface, words: str, at: tuple[int, int], size: int, color: tuple[int, int, int] = INK,
         bold: bool = False, width: int = 0, center: bool = False) -> int:
    """Draw `words`, cut to `width` pixels if given; returns the height used."""
    face = font(size, bold)
    while width and words and face.size(words)[0] > width:
        words = words[:-2] + "…" if len(words) > 2 else ""
    image = face.render(words, True, color)
    x = at[0] - image.get_width() // 2 if center else at[0]
    surface.blit(image, (x, at[1]))
    return image.get_height()


def picture(media: str, name: str, size: int) -> pygame.Surface:
    """An image from the media folder scaled to `size`, or a placeholder with its initials; a file
    that arrives or changes later (an avatar the house just published) is drawn from then on."""
    path = Path(media) / name
    return _picture(path, name, size, path.stat().st_mtime_ns if path.is_file() else 0)


@lru_cache(maxsize=128)
def _picture(path: Path, name: str, size: int, changed: int) -> pygame.Surface:
    if changed:
        try:
            return pygame.transform.smoothscale(pygame.image.load(str(path)), (size, size))
        except pygame.error:
            pass
    tile = pygame.Surface((size, size))
    hue = sum(name.encode()) * 37 % 360
    color = pygame.Color(0)
    color.hsva = (hue, 55, 70, 100)
    tile.fill(color)
    initials = "".join(part[:1] for part in Path(name).stem.replace("_", " ").split()[:2]).upper() or "?"
    text(tile, initials, (size // 2, size // 3), size // 2, INK, True, center=True)
    return tile


def draw_main(surface: pygame.Surface, view: MainView, media: str = "deploy/media") -> None:
    w, h = surface.get_size()
    u = h // 36                                       # one unit: 30 px at 1080
    surface.fill(PAPER)
    pygame.draw.rect(surface, STATUS.get(view.status, STATUS["pending"]), (0, 0, w, 4 * u))
    text(surface, view.banner, (w // 2, u), 3 * u, INK, True, w - 4 * u, center=True)
    left = 2 * u
    if view.image:
        surface.blit(picture(media, view.image, 12 * u), (left, 6 * u))
    x = left + (14 * u if view.image else 0)
    text(surface, view.lot, (x, 6 * u), 2 * u, DIM)
    text(surface, view.title, (x, 8 * u), 3 * u, INK, True, w - x - 2 * u)
    text(surface, view.description, (x, 11 * u + u // 2), int(1.4 * u), DIM, width=w - x - 2 * u)
    text(surface, view.estimate, (x, 13 * u + u // 2), int(1.4 * u), DIM, width=w - x - 2 * u)
    text(surface, "Current bid", (left, 19 * u), int(1.5 * u), DIM)
    text(surface, view.current, (left, 20 * u + u // 2), 6 * u, INK, True, w // 2)
    text(surface, view.asking, (w // 2, 21 * u), 3 * u, (255, 220, 120), True, w // 2 - 2 * u)
    if view.clock:
        pygame.draw.rect(surface, (60, 60, 70), (w // 2, 25 * u, w // 2 - 2 * u, u))
        pygame.draw.rect(surface, (255, 200, 60), (w // 2, 25 * u, int((w // 2 - 2 * u) * view.clock.remaining), u))
        text(surface, f"Clock {view.clock.price}", (w // 2, 26 * u + u // 2), 3 * u, (255, 220, 120), True)
    if view.leader:
        y = 28 * u
        pygame.draw.rect(surface, CHANNEL.get(view.leader.channel, DIM), (left, y, u // 2, 5 * u))
        if view.leader.avatar:
            surface.blit(picture(media, view.leader.avatar, 5 * u), (left + u, y))
        text(surface, "Leading", (left + 7 * u, y), int(1.4 * u), DIM)
        text(surface, view.leader.label, (left + 7 * u, y + 2 * u), 3 * u, INK, True, w // 2)
    text(surface, f"{view.online} online", (w - 14 * u, 28 * u), 2 * u, DIM)
    for index, avatar in enumerate(view.avatars[:6]):
        surface.blit(picture(media, avatar, 2 * u), (w - 14 * u + index * int(2.2 * u), 30 * u + u // 2))
    text(surface, view.link, (left, h - 2 * u), int(1.3 * u), DIM if view.link_ok else (255, 90, 90), width=w - 4 * u)


def draw_paddle(surface: pygame.Surface, view: PaddleView, media: str = "deploy/media") -> None:
    if view.mirror is not None:
        draw_main(surface, view.mirror, media)
        return
    w, h = surface.get_size()
    u = h // 24                                       # 10 px at 240
    surface.fill(TONES.get(view.tone, TONES["neutral"]))
    text(surface, f"{view.number}", (u, u), 4 * u, INK, True)
    text(surface, view.holder, (7 * u, int(1.5 * u)), 2 * u, INK, width=w - 8 * u)
    text(surface, view.headline, (w // 2, 6 * u), 4 * u, INK, True, w - 2 * u, center=True)
    text(surface, view.detail, (w // 2, 10 * u + u // 2), 2 * u, INK, width=w - 2 * u, center=True)
    for index, line in enumerate(view.bids):
        text(surface, line, (u, 13 * u + index * 2 * u), int(1.7 * u), INK, width=w - 2 * u)
    bar = pygame.Rect(u, h - 3 * u, w - 2 * u, 2 * u)
    pygame.draw.rect(surface, (30, 30, 30), bar)
    fill = (255, 255, 255) if view.pressed else (200, 200, 200)
    pygame.draw.rect(surface, fill, (bar.x, bar.y, int(bar.width * view.force), bar.height))
    for mark in view.marks:
        x = bar.x + int(bar.width * mark)
        pygame.draw.line(surface, (255, 80, 80), (x, bar.y - u // 2), (x, bar.bottom), 2)
    if view.pressed:
        pygame.draw.rect(surface, INK, surface.get_rect(), max(2, u // 2))


def draw_auctioneer(surface: pygame.Surface, view: AuctioneerView) -> None:
    w, h = surface.get_size()
    u = h // 40
    surface.fill((12, 14, 18))
    text(surface, view.lot, (u, u), 2 * u, INK, True, w - 2 * u)
    text(surface, f"{view.asking}   {view.reserve}   {view.online}", (u, 3 * u + u // 2), int(1.5 * u), (255, 220, 120), width=w - 2 * u)
    column = w // 3
    text(surface, "Run list", (u, 6 * u), int(1.4 * u), DIM, True)
    for index, (lot, title, status) in enumerate(view.run_list[:14]):
        color = STATUS.get(status, DIM)
        text(surface, f"{lot:>4} {status:<12} {title}", (u, 8 * u + index * int(1.6 * u)), int(1.3 * u), color, width=column - 2 * u)
    text(surface, "Bids (newest first)", (column, 6 * u), int(1.4 * u), DIM, True)
    for index, line in enumerate(view.history[:12]):
        channel = line.split()[2] if len(line.split()) > 2 else ""
        text(surface, line, (column, 8 * u + index * int(1.6 * u)), int(1.3 * u), CHANNEL.get(channel, INK), width=column - u)
    right = 2 * column
    text(surface, "Light touches", (right, 6 * u), int(1.4 * u), DIM, True)
    for index, line in enumerate(view.intents):
        text(surface, line, (right, 8 * u + index * int(1.6 * u)), int(1.3 * u), (255, 220, 120), width=column - u)
    text(surface, "Notices", (right, 17 * u), int(1.4 * u), DIM, True)
    for index, line in enumerate(view.notices):
        text(surface, line.splitlines()[0], (right, 19 * u + index * int(1.6 * u)), int(1.3 * u), INK, width=column - u)
    half = (len(view.keys) + 1) // 2
    text(surface, "Keys: " + " | ".join(view.keys[:half]), (u, h - 6 * u), int(1.2 * u), DIM, width=w - 2 * u)
    text(surface, "      " + " | ".join(view.keys[half:]), (u, h - 4 * u - u // 2), int(1.2 * u), DIM, width=w - 2 * u)
    text(surface, view.link, (u, h - 2 * u), int(1.3 * u), DIM if view.link_ok else (255, 90, 90), width=w - 2 * u)
