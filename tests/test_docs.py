"""The README is part of the product: every topic, code and config key is in it, and its example bids."""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from cloud.config import ArbiterConfig, BidderConfig, Config, LadderConfig, LotConfig, PaddleConfig, SaleConfig, WebConfig
from shared.config import BrokerConfig
from cloud.core.discounts import DiscountPolicy
from edge.config import CameraConfig, DisplayConfig, HallBoxConfig, HallConfig
from edge.core.press import PressPolicy
from hardware.paddle import PaddleWiring
from shared import topics
from shared.codes import Code
from tests.integration.test_arbiter_over_mqtt import HALL_RESULTS, command

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_the_two_commands_are_shown():
    assert "./hall demo" in README and "./hall test" in README


@pytest.mark.parametrize("topic", topics.ALL, ids=lambda t: t.name)
def test_every_topic_is_documented_with_its_direction(topic):
    row = next((line for line in README.splitlines() if line.startswith("|") and f"`{topics.ROOT}/{topic.pattern}`" in line), None)
    assert row is not None, topic.pattern
    assert topic.publisher in row and topic.subscriber in row and ("yes" if topic.retain else "no") in row


@pytest.mark.parametrize("code", list(Code), ids=lambda c: c.name)
def test_every_result_code_is_documented(code):
    assert f"`{code.name}`" in README


SECTIONS = {"broker": BrokerConfig, "arbiter": ArbiterConfig, "sale": SaleConfig, "discount": DiscountPolicy,
            "ladders": LadderConfig, "lots": LotConfig, "paddles": PaddleConfig, "bidders": BidderConfig,
            "hall": HallConfig, "hall.paddles": PaddleWiring, "press": PressPolicy, "display": DisplayConfig,
            "web": WebConfig, "camera": CameraConfig}


def test_every_config_section_is_known_here():
    assert {f.name for f in dataclasses.fields(Config)} | {f.name for f in dataclasses.fields(HallBoxConfig)} == {
        s for s in SECTIONS if "." not in s}


def config_keys() -> list[str]:
    return sorted({f.name for cls in SECTIONS.values() for f in dataclasses.fields(cls)})


@pytest.mark.parametrize("key", config_keys())
def test_every_config_key_is_documented(key):
    assert f"`{key}`" in README


@pytest.mark.broker
def test_the_readme_mosquitto_pub_bid_is_accepted(broker, arbiter, listen):
    hall = listen(HALL_RESULTS, topics.BIDDER_RESULT.format(account="alice"))
    hall.expect(command_id=command(hall, "open_lot"), status="ok")
    for line in [l for l in README.splitlines() if l.startswith("mosquitto_pub ") and "bidder/alice/" in l]:   # the PIN, the bid
        args = shlex.split(line)
        args[args.index("-h") + 1], args[args.index("-p") + 1] = broker.host, str(broker.port)
        subprocess.run(args, check=True, timeout=10)
    assert hall.expect(type="session")["unlocked"]
    answer = hall.expect(bid_id="alice-0001")
    documented = json.loads(re.search(r'`(\{"v":1,"type":"bid_result".*?\})`', README).group(1))
    assert {k: v for k, v in answer.items() if k not in ("_topic", "seq")} == {k: v for k, v in documented.items() if k != "seq"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.broker
@pytest.mark.slow
def test_run_it_yourself_works_as_written_on_a_fresh_arbiter(tmp_path):
    block = re.search(r"## Run it yourself\n.*?```sh\n(.*?)```", README, re.S).group(1)
    script = block.replace("port=18830 run=/tmp/hall-run", f"port={free_port()} run={tmp_path}")
    assert script != block, "the block's first line names the port and the folder"
    run = subprocess.Popen(["bash", "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = run.communicate(timeout=240)
    finally:
        try:
            os.killpg(run.pid, signal.SIGTERM)        # anything the block left running
        except ProcessLookupError:
            pass
    assert run.returncode == 0, out[-4000:]
    assert "ok: lot 1 open" in out and "accepted: accepted: you lead at 800 HKD" in out, out[-4000:]
    bob = {body["type"]: body for body in (json.loads(line) for line in out.splitlines() if line.startswith('{"v":1'))}
    assert bob["session"]["unlocked"] and (bob["bid_result"]["status"], bob["bid_result"]["amount"]) == ("accepted", 85_000), out[-4000:]
