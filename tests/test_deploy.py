"""The production broker configs come from the TOML and carry every setting we rely on."""
import subprocess
import sys

from cloud.broker import Bridge, production_config
from tests.conftest import ROOT

MUST = ["set_tcp_nodelay true", "max_queued_messages 0", "persistence true", "autosave_interval 1"]


def test_cloud_broker_config_listens_for_everyone_and_keeps_every_bid():
    config = production_config("cloud", 1883)
    assert "listener 1883 0.0.0.0" in config and all(line in config for line in MUST) and "connection" not in config


def test_hall_broker_config_listens_locally_and_bridges_every_topic_at_qos_1():
    config = production_config("hall", 1883, Bridge("cloud.example:8883", "hall1", "s1"))
    assert "listener 1883 127.0.0.1" in config and all(line in config for line in MUST)
    topic_lines = [line for line in config.splitlines() if line.startswith("topic ")]
    assert len(topic_lines) == 8 and all(line.endswith(" 1") for line in topic_lines)
    assert "topic auction/hall/hall1/bid out 1" in config and "notification_topic auction/hall/hall1/bridge" in config
    assert "auction/hall/hall1/#" not in config, "the local bridge notification must not go out"


def test_the_cli_prints_the_hall_config_from_the_toml():
    out = subprocess.run([sys.executable, "-m", "cloud.broker", "--role", "hall"], capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=60).stdout
    assert "address auction.example.net:1883" in out and "connection bridge-hall1" in out
