"""Draws the view models with pygame: the only module that imports it. Pixels only, no decisions.

Every function draws one view onto a surface of any size; layouts scale with the surface height.
Images (lot photos, avatars) come from the media folder by the names in the catalog; a missing file
is drawn as a placeholder with the name's initials, never an error on sale day.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
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
AMOUNT_OR_WORD = re.compile(r"-?[\d,.]+ [A-Z]{3}\b|\S+")


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
         bold: bool = False, width: int = 0, center: bool = False) -> pygame.Rect:
    """Draw `words`, cut to `width` pixels if given (single-line fields: a lot title); returns where it landed."""
    face = font(size, bold)
    while width and words and face.size(words)[0] > width:
        words = words[:-2] + "…" if len(words) > 2 else ""
    image = face.render(words, True, color)
    x = at[0] - image.get_width() // 2 if center else at[0]
    return surface.blit(image, (x, at[1]))


def wrap(words: str, size: int, width: int, bold: bool = False) -> list[str]:
    """`words` in lines no wider than `width` pixels, broken at spaces (a word too long for a line is
    broken where it must): nothing is cut, so an amount or a name always shows whole."""
    if "\n" in words:                                # an invoice keeps its lines
        return [line for paragraph in words.splitlines() for line in wrap(paragraph, size, width, bold)]
    face, lines, line = font(size, bold), [], ""
    if face.size(words)[0] <= width:
        return [words] if words.strip() else []
    for word in AMOUNT_OR_WORD.findall(words):        # "550 HKD" stays on one line
        candidate = f"{line} {word}" if line else word
        if face.size(candidate)[0] <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while face.size(word)[0] > width and len(word) > 1:
            cut = max([n for n in range(1, len(word)) if face.size(word[:n])[0] <= width] or [1])
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    return lines + [line] if line else lines


@dataclass(frozen=True)
class Placed:
    """Where one text landed and the panel it belongs in: layouts are checked against these."""
    words: str
    box: pygame.Rect
    panel: pygame.Rect


class Page:
    """Draws texts onto a surface and remembers where each landed, in which panel."""

    def __init__(self, surface: pygame.Surface):
        self.surface, self.placed = surface, []  # type: ignore[var-annotated]
        self.whole = surface.get_rect()

    def text(self, words: str, at: tuple[int, int], size: int, color: tuple[int, int, int] = INK, bold: bool = False,
             width: int = 0, center: bool = False, panel: pygame.Rect | None = None) -> pygame.Rect:
        box = text(self.surface, words, at, size, color, bold, width, center)
        self.placed.append(Placed(words, box, panel or self.whole))
        return box

    def lines(self, words: str, at: tuple[int, int], size: int, color: tuple[int, int, int], panel: pygame.Rect,
              bold: bool = False, center: bool = False) -> int:
        """Wrapped to the panel's width from `at` (or centred in the panel); lines that would leave
        the panel are not drawn. Returns the y below the last line drawn (`at`'s y when none fit)."""
        y, step = at[1], font(size, bold).get_linesize()
        for line in wrap(words, size, panel.width if center else panel.right - at[0], bold):
            if y + step > panel.bottom:
                break
            self.text(line, (panel.centerx if center else at[0], y), size, color, bold, center=center, panel=panel)
            y += step
        return y


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


def draw_main(surface: pygame.Surface, view: MainView, media: str = "deploy/media") -> list[Placed]:
    w, h = surface.get_size()
    u = h // 36                                       # one unit: 30 px at 1080
    page = Page(surface)
    surface.fill(PAPER)
    pygame.draw.rect(surface, STATUS.get(view.status, STATUS["pending"]), (0, 0, w, 4 * u))
    page.text(view.banner, (w // 2, u), 3 * u, INK, True, w - 4 * u, center=True)
    left = 2 * u
    if view.image:
        surface.blit(picture(media, view.image, 12 * u), (left, 6 * u))
    x = left + (14 * u if view.image else 0)
    page.text(view.lot, (x, 6 * u), 2 * u, DIM)
    page.text(view.title, (x, 8 * u), 3 * u, INK, True, w - x - 2 * u)
    page.text(view.description, (x, 11 * u + u // 2), int(1.4 * u), DIM, width=w - x - 2 * u)
    page.text(view.estimate, (x, 13 * u + u // 2), int(1.4 * u), DIM, width=w - x - 2 * u)
    page.text(view.current_caption, (left, 19 * u), int(1.5 * u), DIM)
    page.text(view.current, (left, 20 * u + u // 2), 6 * u, INK, True, w // 2 - 3 * u)
    right = pygame.Rect(w // 2, 19 * u, w // 2 - 2 * u, 8 * u)
    page.text(view.asking, (w // 2, 21 * u), 3 * u, (255, 220, 120), True, right.width)
    page.lines(view.reason, (w // 2, 21 * u), 2 * u, INK, right)
    if view.clock:
        pygame.draw.rect(surface, (60, 60, 70), (w // 2, 25 * u, right.width, u))
        pygame.draw.rect(surface, (255, 200, 60), (w // 2, 25 * u, int(right.width * view.clock.remaining), u))
        page.text(f"Clock {view.clock.price}", (w // 2, 26 * u + u // 2), 3 * u, (255, 220, 120), True, right.width)
    if view.leader:
        y = 28 * u
        pygame.draw.rect(surface, CHANNEL.get(view.leader.channel, DIM), (left, y, u // 2, 5 * u))
        if view.leader.avatar:
            surface.blit(picture(media, view.leader.avatar, 5 * u), (left + u, y))
        page.text(view.leader_caption, (left + 7 * u, y), int(1.4 * u), DIM)
        page.text(view.leader.label, (left + 7 * u, y + 2 * u), 3 * u, INK, True, w - 23 * u)
    page.text(f"{view.online} online", (w - 14 * u, 28 * u), 2 * u, DIM)
    for index, avatar in enumerate(view.avatars[:5]):
        surface.blit(picture(media, avatar, 2 * u), (w - 14 * u + index * int(2.4 * u), 30 * u + u // 2))
    page.text(view.link, (left, h - 2 * u), int(1.3 * u), DIM if view.link_ok else (255, 90, 90), width=w - 4 * u)
    return page.placed


def draw_mirror(surface: pygame.Surface, view: MainView) -> list[Placed]:
    """The main display's facts laid out for a paddle's small panel: few words, large enough to read
    at arm's length (the smallest text is a twelfth of the panel's height: 20 px at 240)."""
    w, h = surface.get_size()
    u = h // 24                                       # 10 px at 240
    page = Page(surface)
    surface.fill(PAPER)
    strip = pygame.Rect(0, 0, w, 5 * u)
    pygame.draw.rect(surface, STATUS.get(view.status, STATUS["pending"]), strip)
    words = view.banner.split(" to ")[0] if view.status == "sold" else view.banner
    page.text(words, (w // 2, u + u // 2), int(3.2 * u), INK, True, w - 2 * u, center=True, panel=strip)
    body = pygame.Rect(u, 6 * u, w - 2 * u, h - 7 * u)
    page.text(f"{view.lot}  {view.title}", (u, 6 * u), int(2.4 * u), DIM, width=body.width, panel=body)
    page.text(f"{view.current_caption}: {view.current}", (u, 9 * u), int(3.2 * u), INK, True, body.width, panel=body)
    y = 13 * u
    if view.clock:
        page.text(f"Clock {view.clock.price}", (u, y), int(3.2 * u), (255, 220, 120), True, body.width, panel=body)
    elif view.asking:
        page.text(view.asking, (u, y), int(3.2 * u), (255, 220, 120), True, body.width, panel=body)
    elif view.reason:
        page.lines(view.reason, (u, y), int(2.4 * u), INK, pygame.Rect(u, y, body.width, 4 * u))
    if view.leader:
        page.text(view.leader_caption, (u, 17 * u), 2 * u, DIM, panel=body)
        page.text(view.leader.label, (u, 19 * u + u // 2), int(2.6 * u), CHANNEL.get(view.leader.channel, INK), True, body.width, panel=body)
    return page.placed


def draw_paddle(surface: pygame.Surface, view: PaddleView, media: str = "deploy/media") -> list[Placed]:
    if view.mirror is not None:
        return draw_mirror(surface, view.mirror)
    w, h = surface.get_size()
    u = h // 24                                       # 10 px at 240
    page = Page(surface)
    surface.fill(TONES.get(view.tone, TONES["neutral"]))
    page.text(f"{view.number}", (u, u), 4 * u, INK, True)
    page.text(view.holder, (7 * u, int(1.5 * u)), 2 * u, INK, width=w - 8 * u)
    page.text(view.headline, (w // 2, 5 * u + u // 2), 4 * u, INK, True, w - 2 * u, center=True)
    y = page.lines(view.detail, (u, 9 * u + u // 2), int(2.2 * u), INK, pygame.Rect(u, 9 * u + u // 2, w - 2 * u, 4 * u), center=True)
    y = max(y, 13 * u)
    if view.banner:
        strip = pygame.Rect(0, y - u // 2, w, 4 * u)
        pygame.draw.rect(surface, STATUS["fair_warning"], strip)
        page.text(view.banner, (w // 2, y), 3 * u, PAPER, True, w - 2 * u, center=True, panel=strip)
        y += 4 * u
    for line in view.bids[-((h - 4 * u - y) // (2 * u)):] if h - 4 * u > y + 2 * u else ():
        page.text(line, (u, y), int(1.8 * u), INK, width=w - 2 * u)
        y += 2 * u
    bar = pygame.Rect(u, h - 3 * u, w - 2 * u, 2 * u)
    pygame.draw.rect(surface, (30, 30, 30), bar)
    fill = (255, 255, 255) if view.pressed else (200, 200, 200)
    pygame.draw.rect(surface, fill, (bar.x, bar.y, int(bar.width * view.force), bar.height))
    for mark in view.marks:
        x = bar.x + int(bar.width * mark)
        pygame.draw.line(surface, (255, 80, 80), (x, bar.y - u // 2), (x, bar.bottom), 2)
    if view.pressed:
        pygame.draw.rect(surface, INK, surface.get_rect(), max(2, u // 2))
    return page.placed


def draw_auctioneer(surface: pygame.Surface, view: AuctioneerView) -> list[Placed]:
    w, h = surface.get_size()
    u = h // 40                                       # 20 px at 800
    page = Page(surface)
    surface.fill((12, 14, 18))
    page.text(view.lot, (u, u), 2 * u, INK, True, w - 2 * u)
    page.text(f"{view.asking}   {view.reserve}   {view.online}", (u, 3 * u + u // 2), int(1.5 * u), (255, 220, 120), width=w - 2 * u)
    row, size, bottom = int(1.6 * u), int(1.3 * u), h - 7 * u
    runs = pygame.Rect(u, 8 * u, w // 4 - 2 * u, bottom - 8 * u)
    page.text("Run list", (u, 6 * u), int(1.4 * u), DIM, True)
    y = runs.y
    for lot, title, status in view.run_list:         # a long title wraps under its lot number
        number = page.text(f"{lot:>3}", (u, y), size, STATUS.get(status, DIM), panel=runs) if y + row <= runs.bottom else None
        if number is None:
            break
        y = page.lines(f"{status.replace('_', ' ')}: {title}", (number.right + u // 2, y), size, STATUS.get(status, DIM), runs) + u // 4
    bids = pygame.Rect(w // 4, 8 * u, w * 3 // 8 - u, bottom - 8 * u)
    page.text("Bids (newest first)", (bids.x, 6 * u), int(1.4 * u), DIM, True)
    y = bids.y
    for line in view.history:                        # a long name wraps: the list never cuts a bidder
        below = page.lines(line.text, (bids.x, y), size, CHANNEL.get(line.channel, INK), bids)
        if below == y:
            break
        y = below + u // 4
    right = w * 5 // 8
    touches = pygame.Rect(right, 8 * u, w - right - u, 5 * row)
    page.text("Light touches (this lot)", (right, 6 * u), int(1.4 * u), DIM, True)
    for index, line in enumerate(view.intents[:5]):
        page.text(line, (right, touches.y + index * row), size, (255, 220, 120), width=touches.width, panel=touches)
    notices = pygame.Rect(right, touches.bottom + 3 * u, w - right - u, bottom - touches.bottom - 3 * u)
    page.text("Notices (newest first)", (right, notices.y - 2 * u), int(1.4 * u), DIM, True)
    y = notices.y
    for notice in view.notices:                      # newest first: the oldest scroll off the bottom
        stamp = page.text(notice.time, (right, y), size, DIM, panel=notices) if notice.time and y + row <= notices.bottom else None
        indent = stamp.width + u // 2 if stamp else 0
        below = page.lines(notice.text, (right + indent, y), size, INK, notices)
        if below == y:
            break
        y = below + u // 3
    half = (len(view.keys) + 1) // 2
    page.text("Keys: " + " | ".join(view.keys[:half]), (u, h - 6 * u), int(1.2 * u), DIM, width=w - 2 * u)
    page.text("      " + " | ".join(view.keys[half:]), (u, h - 4 * u - u // 2), int(1.2 * u), DIM, width=w - 2 * u)
    page.text(view.link, (u, h - 2 * u), int(1.3 * u), DIM if view.link_ok else (255, 90, 90), width=w - 2 * u)
    return page.placed
