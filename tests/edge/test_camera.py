"""The hall video: synthetic frames as real JPEGs with a header, published at the configured rate."""
from __future__ import annotations

import io
import os
import time

import pygame
import pytest

from edge.camera import SyntheticCamera, VideoPublisher, jpeg
from edge.config import CameraConfig
from shared import messages, topics
from shared.config import BrokerConfig

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")


def test_a_synthetic_frame_is_a_jpeg_that_changes_and_shows_the_lot():
    camera = SyntheticCamera((320, 180), lambda: "Lot 7: Penny Black")
    first, second = camera.capture(), camera.capture()
    data = jpeg(first)
    assert data.startswith(b"\xff\xd8") and pygame.image.load(io.BytesIO(data), "f.jpg").get_size() == (320, 180)
    assert pygame.image.tobytes(first, "RGB") != pygame.image.tobytes(second, "RGB")


def test_a_frame_message_round_trips_and_refuses_what_is_not_a_jpeg():
    header = messages.VideoFrame("hall1", 3, 1_700_000_000_000, 320, 180)
    parsed, body = messages.split_frame(messages.frame_payload(header, b"\xff\xd8\xff\xe0rest"))
    assert parsed == header and body == b"\xff\xd8\xff\xe0rest"
    with pytest.raises(messages.ProtocolError):
        messages.split_frame(messages.encode(header) + b"\nGIF89a")


@pytest.mark.broker
def test_the_publisher_sends_frames_at_its_rate(broker, listen):
    watcher = listen(topics.HALL_VIDEO.format(hall="hall1"))
    seen = []
    watcher.client.on_message = lambda c, u, m: seen.append(messages.split_frame(m.payload))
    camera = SyntheticCamera((160, 90), lambda: "lot")
    video = VideoPublisher(CameraConfig("synthetic", fps=10), BrokerConfig(port=broker.port), "hall1", camera, lambda: 42).start()
    time.sleep(1.05)
    video.stop()
    assert 8 <= len(seen) <= 12
    assert [h.seq for h, _ in seen] == list(range(len(seen))) and all(h.at_ms == 42 and h.width == 160 for h, _ in seen)
