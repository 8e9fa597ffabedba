"""The room's screens: one display thread owns pygame, redraws only what changed, at most `fps` a second.

The hall loop hands over fresh views (pure, computed on its own thread) through `show()`; it never
waits for a frame. Sinks, chosen in [display]:
- main: `window` (HDMI; SDL picks KMSDRM on a Pi without X), `png`, or `none`;
- paddles: `tiles` beside the auctioneer's screen in a second window, one Linux `framebuffer` each
  (16- or 32-bit panels), `png`, or `none`;
- the auctioneer's screen goes with the tiles window (or `png` when headless).
`snapshot(folder, label)` writes every current frame as PNG, whatever the sinks.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.config import DisplayConfig
from edge.core.views import Views
from edge import screens
from edge.screens import pygame

log = logging.getLogger(__name__)
AUCTIONEER_SIZE = (1280, 800)


@dataclass
class FrameStats:
    """When each paddle's display first drew a frame showing its current press (monotonic seconds)."""
    pressed_drawn: dict[int, float] = field(default_factory=dict)
    frames: int = 0


def screen_found() -> bool:
    """Whether SDL finds a screen to open windows on. With none (no X, no Wayland, no KMS console)
    it quietly picks its offscreen driver: windows nobody sees, waiting to be closed forever."""
    if os.environ.get("SDL_VIDEODRIVER") in ("dummy", "offscreen"):
        return False
    try:
        pygame.display.init()
        return pygame.display.get_driver() not in ("dummy", "offscreen")
    except pygame.error:
        return False
    finally:
        pygame.display.quit()


def framebuffer_bytes(surface: pygame.Surface, bits: int) -> bytes:
    """A frame as a Linux framebuffer wants it: RGB565 for 16-bit panels, BGRX for 32-bit."""
    if bits == 16:
        packed = pygame.Surface(surface.get_size(), depth=16, masks=(0xF800, 0x07E0, 0x001F, 0))
        packed.blit(surface, (0, 0))
        return bytes(packed.get_buffer())
    return pygame.image.tobytes(surface, "BGRA")


class Display:
    def __init__(self, config: DisplayConfig, headless: bool = False,
                 on_key: Callable[[str, bool], None] | None = None):
        self.config, self.headless, self.on_key = config, headless, on_key
        self.media = config.media
        self.interval = 1.0 / config.fps
        self.pending: Views | None = None
        self.shown: Views | None = None
        self.surfaces: dict[str, pygame.Surface] = {}
        self.stats = FrameStats()
        self.changed = threading.Condition()
        self._stop = False
        self._snapshots: list[tuple[Path, str, threading.Event]] = []
        self._thread = threading.Thread(target=self._run, name="hall-display", daemon=True)
        self._windows: dict[str, Any] = {}
        self.ready = threading.Event()       # windows opened (or found impossible)
        self.closed = threading.Event()      # the main window was closed

    def start(self) -> "Display":
        self._thread.start()
        return self

    def stop(self) -> None:
        with self.changed:
            self._stop = True
            self.changed.notify()
        self._thread.join(timeout=5)

    def show(self, views: Views) -> None:
        """Hand over the latest views; a frame follows within 1/fps s (older ones are dropped)."""
        with self.changed:
            self.pending = views
            self.changed.notify()

    def snapshot(self, folder: Path, label: str, timeout: float = 5.0) -> None:
        """Write the current frames as PNGs named `label-main.png` etc.; returns when written."""
        done = threading.Event()
        with self.changed:
            self._snapshots.append((Path(folder), label, done))
            self.changed.notify()
        done.wait(timeout)

    # ---- the display thread -----------------------------------------------------------------
    def _run(self) -> None:
        screens.init()
        try:
            self._open_windows()
        except pygame.error as exc:
            log.warning("no window (%s): the screens are kept for PNG snapshots", exc)
            self.headless, self._windows = True, {}
        self.ready.set()
        last = 0.0
        while True:
            with self.changed:
                self.changed.wait_for(lambda: self._stop or self.pending is not None or self._snapshots, timeout=0.05)
                if self._stop:
                    break
                views, self.pending = self.pending, None
                snapshots, self._snapshots = self._snapshots, []
            self._events()
            if views is not None:
                wait = self.interval - (time.monotonic() - last)
                if wait > 0:
                    time.sleep(wait)
                    with self.changed:                 # take whatever arrived meanwhile: the newest wins
                        views, self.pending = self.pending or views, None
                self._draw(views)
                last = time.monotonic()
            for folder, label, done in snapshots:
                self._write(folder, label)
                done.set()
        pygame.display.quit()

    def _open_windows(self) -> None:
        if not self.headless and not screen_found():
            log.warning("no screen found: the screens are kept for PNG snapshots")
            self.headless = True
        if self.headless:
            return
        if self.config.main == "window":
            pygame.display.init()
            self._windows["main"] = pygame.display.set_mode(tuple(self.config.size))
            pygame.display.set_caption("Hall: main display")
        if self.config.paddles == "tiles":
            try:
                from pygame._sdl2.video import Renderer, Window
                window = Window("Hall: auctioneer and paddles", size=(AUCTIONEER_SIZE[0] + 2 * self.config.paddle_size[0], AUCTIONEER_SIZE[1]))
                self._windows["second"] = Renderer(window)
            except (ImportError, pygame.error) as exc:
                log.warning("no second window (%s): the auctioneer's screen and paddle tiles go to PNG snapshots only", exc)

    def _events(self) -> None:
        if "main" not in self._windows:
            return
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self.closed.set()
            elif event.type == pygame.KEYDOWN and self.on_key is not None:
                self.on_key(pygame.key.name(event.key), bool(event.mod & pygame.KMOD_SHIFT))

    def _draw(self, views: Views) -> None:
        previous = self.shown
        if previous is None or previous.main != views.main:
            surface = self._surface("main", tuple(self.config.size))
            screens.draw_main(surface, views.main, self.media)
            if "main" in self._windows:
                pygame.display.flip()
        if previous is None or previous.auctioneer != views.auctioneer:
            screens.draw_auctioneer(self._surface("auctioneer", AUCTIONEER_SIZE), views.auctioneer)
        for number, view in views.paddles.items():
            if previous is None or previous.paddles.get(number) != view:
                surface = self._surface(f"paddle-{number}", tuple(self.config.paddle_size))
                screens.draw_paddle(surface, view, self.media)
                self._framebuffer(number, surface)
        self._second_window()
        drawn = time.monotonic()
        for number, view in views.paddles.items():
            if view.pressed and number not in self.stats.pressed_drawn:
                self.stats.pressed_drawn[number] = drawn
            elif not view.pressed:
                self.stats.pressed_drawn.pop(number, None)
        self.stats.frames += 1
        self.shown = views

    def _surface(self, name: str, size: tuple[int, int]) -> pygame.Surface:
        if name == "main" and "main" in self._windows:
            return self._windows["main"]
        if name not in self.surfaces or self.surfaces[name].get_size() != size:
            self.surfaces[name] = pygame.Surface(size)
        return self.surfaces[name]

    def _second_window(self) -> None:
        renderer = self._windows.get("second")
        if renderer is None:
            return
        from pygame._sdl2.video import Texture
        renderer.clear()
        Texture.from_surface(renderer, self.surfaces["auctioneer"]).draw(dstrect=(0, 0, *AUCTIONEER_SIZE))
        width, height = self.config.paddle_size
        for index, name in enumerate(sorted(n for n in self.surfaces if n.startswith("paddle-"))):
            x, y = AUCTIONEER_SIZE[0] + (index % 2) * width, (index // 2) * height
            Texture.from_surface(renderer, self.surfaces[name]).draw(dstrect=(x, y, width, height))
        renderer.present()

    def _framebuffer(self, number: int, surface: pygame.Surface) -> None:
        device = self.config.framebuffers.get(str(number)) if self.config.paddles == "framebuffer" else None
        if not device:
            return
        name = Path(device).name
        bits_file = Path(f"/sys/class/graphics/{name}/bits_per_pixel")
        bits = int(bits_file.read_text()) if bits_file.exists() else 32
        try:
            with open(device, "r+b" if Path(device).exists() else "wb") as panel:
                panel.write(framebuffer_bytes(surface, bits))
        except OSError as exc:
            log.warning("paddle %d framebuffer %s: %s", number, device, exc)

    def _write(self, folder: Path, label: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if "main" in self._windows:
            self.surfaces["main"] = self._windows["main"].copy()
        for name, surface in self.surfaces.items():
            pygame.image.save(surface, str(folder / f"{label}-{name}.png"))
