"""What an avatar image must be, checked by the house before it is published and by every receiver.

An avatar travels as the raw image bytes on `auction/house/avatar/{account}` (retained) and is
referred to as `avatars/{account}.{png|jpg}` in lot states. Checked: size on the wire, type by
magic bytes, the picture size its header claims (read before anything is decoded: a 700-byte file
claiming 20,000 x 20,000 pixels made the decoder take 1.1 GiB), then that it really decodes (pygame)
to that sensible, square-ish size.
"""
from __future__ import annotations

import io
import os
import struct

MAX_BYTES = 200 * 1024            # under the broker's message_size_limit, small enough for a phone
MIN_SIDE, MAX_SIDE = 32, 1024     # so a decoded avatar is at most 1024 x 1024 pixels (4 MiB as RGBA)
KINDS = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}
# JPEG start-of-frame markers (they carry the size); C4, C8 and CC share the range but are not frames.
_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD9)}      # markers without a length: TEM, RSTn, SOI


class AvatarError(ValueError):
    """Why an image is refused, in a sentence for whoever uploaded it."""


def check_avatar(data: bytes) -> str:
    """The file extension of a valid avatar ("png" or "jpg"); AvatarError otherwise."""
    if len(data) > MAX_BYTES:
        raise AvatarError(f"the image is {len(data) // 1024} KiB; at most {MAX_BYTES // 1024} KiB")
    kind = next((ext for magic, ext in KINDS.items() if data.startswith(magic)), None)
    if kind is None:
        raise AvatarError("the image must be a PNG or a JPEG")
    claimed = header_size(data, kind)
    if claimed is None:
        raise AvatarError(f"the {kind.upper()} header gives no picture size")
    _check_size(*claimed, "claims ")
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame
    try:
        decoded = pygame.image.load(io.BytesIO(data), f"avatar.{kind}").get_size()
    except pygame.error as exc:
        raise AvatarError(f"the image does not decode as a {kind.upper()}: {exc}") from None
    if decoded != claimed:
        raise AvatarError(f"the image decodes to {decoded[0]}x{decoded[1]} pixels, not the {claimed[0]}x{claimed[1]} its header claims")
    return kind


def _check_size(width: int, height: int, verb: str = "is ") -> None:
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise AvatarError(f"the image {verb}{width}x{height} pixels; each side must be {MIN_SIDE} to {MAX_SIDE} pixels")
    if max(width, height) > 2 * min(width, height):
        raise AvatarError(f"the image {verb}{width}x{height} pixels; an avatar must be roughly square")


def header_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """(width, height) as the file's header states them, without decoding; None if it states none."""
    if kind == "png":                  # the first chunk must be IHDR: width and height, 4 bytes each
        return struct.unpack(">II", data[16:24]) if data[12:16] == b"IHDR" and len(data) >= 24 else None
    at = 2
    while at + 4 <= len(data):         # walk the JPEG's segments up to its first frame header
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:             # fill byte
            at += 1
        elif marker in _JPEG_STANDALONE:
            at += 2
        elif marker in _JPEG_FRAMES:
            if at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        elif marker == 0xDA:           # scan data before any frame header
            return None
        else:
            at += 2 + struct.unpack(">H", data[at + 2:at + 4])[0]
    return None


def avatar_ref(account: str, kind: str) -> str:
    """The name lot states use for an account's avatar (a path under a media folder)."""
    return f"avatars/{account}.{kind}"
