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
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "PNG header gives no picture size"),
    (image((64, 64))[:33] + b"garbage" * 10, "does not decode as a PNG"),
    (b"\xff\xd8\xff" + b"\0" * (MAX_BYTES + 1), "at most 200 KiB"),
])
def test_what_is_not_an_avatar_is_refused_with_the_reason(data, complaint):
    with pytest.raises(AvatarError, match=complaint):
        check_avatar(data)


@pytest.mark.parametrize("size", [(16, 16), (2000, 2000), (300, 100)])
def test_sizes_outside_the_rules_are_refused(size):
    with pytest.raises(AvatarError, match=f"{size[0]}x{size[1]}"):
        check_avatar(image(size))


def bomb(kind: str, width: int = 20_000, height: int = 20_000) -> bytes:
    """A tiny file whose header claims a huge picture (the decompression bomb of issue 9)."""
    small = image((64, 64), kind)
    if kind == "png":                                   # IHDR's width and height, then its CRC
        import struct
        import zlib
        ihdr = b"IHDR" + struct.pack(">II", width, height) + small[24:29]
        return small[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + small[33:]
    at = next(i for i in range(2, len(small)) if small[i] == 0xFF and small[i + 1] in (0xC0, 0xC1, 0xC2))
    return small[:at + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + small[at + 9:]


CHECK_IN_A_CHILD = """
import resource, sys
from shared.avatars import AvatarError, check_avatar
data = sys.stdin.buffer.read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    check_avatar(data)
    print("accepted")
except AvatarError as refused:
    print(refused)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


@pytest.mark.parametrize("kind", ["png", "jpg"])
def test_a_tiny_file_claiming_20000_by_20000_pixels_is_refused_before_decoding(kind):
    """In a child process, so its peak memory is its own (today's decode took 1.1 GiB here)."""
    import subprocess
    import sys
    data = bomb(kind)
    assert len(data) < 2048
    out = subprocess.run([sys.executable, "-c", CHECK_IN_A_CHILD], input=data, capture_output=True, timeout=60,
                         env={**os.environ, "PYGAME_HIDE_SUPPORT_PROMPT": "1"}).stdout.decode().splitlines()
    message, grew_kib = out[-2], int(out[-1])
    assert message == "the image claims 20000x20000 pixels; each side must be 32 to 1024 pixels"
    assert grew_kib < 16 * 1024, f"the check grew the process by {grew_kib} KiB"


def test_a_header_without_dimensions_is_refused():
    with pytest.raises(AvatarError, match="no picture size"):
        check_avatar(b"\xff\xd8\xff\xe0\x00\x04ab\xff\xd9")
