"""The house's account desk end to end: register with an avatar, approve with a limit, give the PIN,
bid; the avatar reaches the hall box's media folder and the lot state names it when carol leads."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pygame
import pytest

from shared import topics
from tests.conftest import ROOT
from tests.integration.test_hallbox import Room, wait_until

pytestmark = pytest.mark.broker
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")


def desk(broker, *args: str, pin: str = "") -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(ROOT), "HALL_NEW_PIN": pin}
    return subprocess.run([sys.executable, "-m", "cloud.accounts_cli", *args, "--port", str(broker.port)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, stdin=subprocess.DEVNULL)


def png(path: Path, size: tuple[int, int] = (64, 64)) -> Path:
    surface = pygame.Surface(size)
    surface.fill((200, 80, 40))
    out = io.BytesIO()
    pygame.image.save(surface, out, "a.png")
    path.write_bytes(out.getvalue())
    return path


def test_register_approve_pin_bid_and_the_avatar_reaches_the_hall(broker, arbiter, listen, tmp_path):
    room = Room(broker, tmp_path, listen)
    media = tmp_path / "media"
    room.box.config = replace(room.box.config, display=replace(room.box.config.display, media=str(media)))
    try:
        (tmp_path / "notes.txt").write_text("not an image")
        refused = desk(broker, "register", "dave", "--avatar", str(tmp_path / "notes.txt"), pin="5555")
        assert refused.returncode == 1 and "refused: the image must be a PNG or a JPEG" in refused.stderr
        wide = desk(broker, "register", "dave", "--avatar", str(png(tmp_path / "wide.png", (400, 60))), pin="5555")
        assert wide.returncode == 1 and "roughly square" in wide.stderr

        registered = desk(broker, "register", "carol", "--handle", "carol_c", "--avatar", str(png(tmp_path / "c.png")), pin="5555")
        assert (registered.returncode, registered.stdout.strip()) == (0, "ok: account carol registered: awaiting approval")
        assert desk(broker, "register", "carol", "--handle", "x", pin="5555").returncode == 1      # taken
        wait_until(lambda: (media / "avatars/carol.png").is_file(), what="the avatar on the hall box")
        assert (media / "avatars/carol.png").read_bytes() == (tmp_path / "c.png").read_bytes()

        room.open_lot()
        bid = [sys.executable, "-m", "cloud.bidder", "--account", "carol", "--pin", "5555", "--port", str(broker.port), "--asking"]
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        early = subprocess.run(bid, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
        assert early.returncode == 1 and "awaits the house's approval" in early.stderr

        approved = desk(broker, "approve", "carol", "--limit", "900")
        assert approved.stdout.strip() == "ok: account carol approved with a spending limit of 900 HKD"
        accepted = subprocess.run(bid, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
        assert accepted.returncode == 0, accepted.stderr
        lot = room.auctioneer.expect(type="lot_state", bids=1)
        assert lot["leader"]["handle"] == "carol_c" and lot["leader"]["avatar"] == "avatars/carol.png"
        over = subprocess.run(bid[:-1] + ["--amount", "1000"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
        assert over.returncode == 1 and "above your spending limit of 900 HKD" in over.stdout
    finally:
        room.close()


def test_hash_pin_prints_a_hash_the_config_accepts(tmp_path):
    env = os.environ | {"PYTHONPATH": str(ROOT), "HALL_NEW_PIN": "2468"}
    out = subprocess.run([sys.executable, "-m", "cloud.accounts_cli", "hash-pin"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    from cloud.pins import verify_pin
    assert verify_pin("2468", out.stdout.strip())
    short = subprocess.run([sys.executable, "-m", "cloud.accounts_cli", "hash-pin"], capture_output=True, text=True,
                           env=env | {"HALL_NEW_PIN": "12"}, cwd=ROOT, timeout=60)
    assert short.returncode == 1 and "must be 4 to 8 digits" in short.stderr
