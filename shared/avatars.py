"""What an avatar image must be, checked by the house before it is published and by every receiver.

An avatar travels as the raw image bytes on `auction/house/avatar/{account}` (retained) and is
referred to as `avatars/{account}.{png|jpg}` in lot states. Checked: size on the wire, type by
magic bytes, and that it really decodes (pygame) to a sensible square-ish picture.
"""
from __future__ import annotations

import io
import os

MAX_BYTES = 200 * 1024            # under the broker's message_size_limit, small enough for a phone
MIN_SIDE, MAX_SIDE = 32, 1024
KINDS = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}


class AvatarError(ValueError):
    """Why an image is refused, in a sentence for whoever uploaded it."""


def check_avatar(data: bytes) -> str:
    """The file extension of a valid avatar ("png" or "jpg"); AvatarError otherwise."""
    if len(data) > MAX_BYTES:
        raise AvatarError(f"the image is {len(data) // 1024} KiB; at most {MAX_BYTES // 1024} KiB")
    kind = next((ext for magic, ext in KINDS.items() if data.startswith(magic)), None)
    if kind is None:
        raise AvatarError("the image must be a PNG or a JPEG")
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame
    try:
        width, height = pygame.image.load(io.BytesIO(data), f"avatar.{kind}").get_size()
    except pygame.error as exc:
        raise AvatarError(f"the image does not decode as a {kind.upper()}: {exc}") from None
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise AvatarError(f"the image is {width}x{height}; each side must be {MIN_SIDE} to {MAX_SIDE} pixels")
    if max(width, height) > 2 * min(width, height):
        raise AvatarError(f"the image is {width}x{height}; an avatar must be roughly square")
    return kind


def avatar_ref(account: str, kind: str) -> str:
    """The name lot states use for an account's avatar (a path under a media folder)."""
    return f"avatars/{account}.{kind}"
