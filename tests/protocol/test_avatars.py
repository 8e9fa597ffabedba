"""Avatar checks: type by magic bytes, size on the wire, a real decode, sensible dimensions."""
from __future__ import annotations

import io
import os

import pygame
import pytest

from shared.avatars import MAX_BYTES, AvatarError, avatar_ref, check_avatar

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")


def image(size: tuple[int, int], kind: str = "png") -> bytes:
    out = io.BytesIO()
    pygame.image.save(pygame.Surface(size), out, f"a.{kind}")
    return out.getvalue()


def test_png_and_jpeg_pass_and_name_their_kind():
    assert check_avatar(image((64, 64))) == "png"
    assert check_avatar(image((120, 90), "jpg")) == "jpg"
    assert avatar_ref("carol", "jpg") == "avatars/carol.jpg"


@pytest.mark.parametrize("data, complaint", [
    (b"GIF89a" + b"\0" * 100, "must be a PNG or a JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "does not decode as a PNG"),
    (b"\xff\xd8\xff" + b"\0" * (MAX_BYTES + 1), "at most 200 KiB"),
])
def test_what_is_not_an_avatar_is_refused_with_the_reason(data, complaint):
    with pytest.raises(AvatarError, match=complaint):
        check_avatar(data)


@pytest.mark.parametrize("size", [(16, 16), (2000, 2000), (300, 100)])
def test_sizes_outside_the_rules_are_refused(size):
    with pytest.raises(AvatarError, match=f"{size[0]}x{size[1]}"):
        check_avatar(image(size))
