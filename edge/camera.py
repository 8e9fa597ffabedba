"""The hall video (claim 2): a few JPEG frames a second of the room, for remote bidders' pages.

Sources behind one interface (`capture() -> Surface`): picamera2 on a Pi, any V4L2 camera through
pygame.camera elsewhere, and synthetic frames in simulation (the lot, the time, a moving marker,
so a page shows a live, visibly changing picture). Frames go out on their own MQTT client at QoS 0
on auction/hall/{hall}/video: a late frame is worth nothing, and video never queues behind, or in
front of, a bid on the hall box's link.
"""
from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import pygame

from edge.config import CameraConfig
from shared import messages, topics
from shared.config import BrokerConfig
from shared.mqtt import connect_and_wait, make_client, secure

log = logging.getLogger(__name__)


class FrameSource(Protocol):
    def capture(self) -> pygame.Surface: ...

    def close(self) -> None: ...


class SyntheticCamera:
    """A drawn room: the current lot's title, the hall clock and a marker sweeping across."""

    def __init__(self, size: tuple[int, int], caption: Callable[[], str]):
        pygame.font.init()
        self.size, self.caption, self.font, self.frames = size, caption, pygame.font.Font(None, size[1] // 9), 0

    def capture(self) -> pygame.Surface:
        w, h = self.size
        frame = pygame.Surface(self.size)
        frame.fill((38, 30, 28))
        pygame.draw.rect(frame, (92, 64, 40), (w // 3, h // 2, w // 3, h // 3))                 # the rostrum
        x = int((self.frames * 37) % w)
        pygame.draw.circle(frame, (230, 200, 90), (x, h // 3), h // 14)                         # a paddle going up
        for line, text in enumerate((self.caption(), time.strftime("%H:%M:%S"))):
            frame.blit(self.font.render(text, True, (240, 236, 228)), (h // 20, h // 20 + line * h // 8))
        self.frames += 1
        return frame

    def close(self) -> None:
        pass


class V4L2Camera:
    """Any V4L2 camera (a USB webcam on the hall box), through pygame.camera."""

    def __init__(self, device: str, size: tuple[int, int]):
        import pygame.camera
        pygame.camera.init()
        self.camera = pygame.camera.Camera(device, size)
        self.camera.start()

    def capture(self) -> pygame.Surface:
        return self.camera.get_image()

    def close(self) -> None:
        self.camera.stop()


class PiCamera:
    """The Raspberry Pi camera through picamera2 (Raspberry Pi OS: apt install python3-picamera2)."""

    def __init__(self, size: tuple[int, int]):
        from picamera2 import Picamera2  # type: ignore[import-not-found]
        self.camera = Picamera2()
        self.camera.configure(self.camera.create_video_configuration(main={"size": size, "format": "RGB888"}))
        self.camera.start()

    def capture(self) -> pygame.Surface:
        pixels = self.camera.capture_array()
        return pygame.image.frombuffer(pixels.tobytes(), (pixels.shape[1], pixels.shape[0]), "BGR")

    def close(self) -> None:
        self.camera.stop()


def open_camera(config: CameraConfig, caption: Callable[[], str]) -> FrameSource:
    size = (config.width, config.height)
    if config.source == "picamera2":
        return PiCamera(size)
    if config.source == "v4l2":
        return V4L2Camera(config.device, size)
    return SyntheticCamera(size, caption)


def jpeg(frame: pygame.Surface) -> bytes:
    out = io.BytesIO()
    pygame.image.save(frame, out, "frame.jpg")
    return out.getvalue()


class VideoPublisher:
    """Captures at `fps` and publishes each frame with its header (hall, seq, capture time)."""

    def __init__(self, config: CameraConfig, broker: BrokerConfig, hall: str, source: FrameSource,
                 wall_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000):
        self.config, self.broker, self.hall, self.source, self.wall_ms = config, broker, hall, source, wall_ms
        self.topic = topics.HALL_VIDEO.format(hall=hall)
        self.client = secure(make_client(f"{hall}-camera"), broker.username, broker.password, broker.cafile)
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hall-camera", daemon=True)

    def start(self) -> "VideoPublisher":
        connect_and_wait(self.client, self.broker.host, self.broker.port)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.client.disconnect()
        self.client.loop_stop()
        self.source.close()

    def frame(self) -> bytes:
        surface = self.source.capture()
        header = messages.VideoFrame(self.hall, self.sent, self.wall_ms(), *surface.get_size())
        return messages.frame_payload(header, jpeg(surface))

    def _run(self) -> None:
        period = 1.0 / self.config.fps
        next_at = time.monotonic()
        while not self._stop.wait(max(0.0, next_at - time.monotonic())):
            next_at += period
            try:
                self.client.publish(self.topic, self.frame(), qos=0)
                self.sent += 1
            except (pygame.error, OSError) as exc:        # a camera hiccup costs a frame, never the hall box
                log.warning("camera frame lost: %s", exc)


def caption_of(state: Any) -> str:
    lot = getattr(state, "lot", None)
    return f"Lot {lot.lot}: {lot.title}" if lot else "Waiting for the first lot"
