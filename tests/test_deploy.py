"""The production broker configs come from the TOML and carry every setting we rely on."""
import subprocess
import sys

from cloud.broker import Bridge, production_config
from tests.conftest import ROOT

MUST = ["set_tcp_nodelay true", "max_queued_messages 0", "persistence true", "autosave_interval 1"]


def test_cloud_broker_config_logs_everyone_in_over_tls_and_keeps_every_bid():
    config = production_config("cloud", 1883)
    assert "listener 1883 127.0.0.1" in config and all(line in config for line in MUST) and "\nconnection " not in config
    assert "allow_anonymous true" not in config and "allow_anonymous false" in config
    assert "listener 8883 0.0.0.0" in config and "listener 8884 0.0.0.0\nprotocol websockets\nmax_connections 10000\ncafile" in config
    assert "password_file /etc/mosquitto/passwords" in config and "acl_file /etc/mosquitto/acl" in config


def test_every_listener_bounds_its_connections_and_the_public_ones_bind_client_ids_to_logins():
    for role in ("cloud", "hall"):
        listeners = production_config(role, 1883).split("\nlistener ")[1:]
        assert listeners and all("\nmax_connections " in listener for listener in listeners)
        public = [listener for listener in listeners if not listener.startswith("1883 127.0.0.1")]
        assert all("use_username_as_clientid true" in listener for listener in public) and len(public) == (2 if role == "cloud" else 0)
    bridge = production_config("hall", 1883, Bridge("cloud.example:8883", "hall1", "s1", username="hall-hall1", password="pw"))
    assert "remote_clientid hall-hall1" in bridge and "remote_username hall-hall1" in bridge


def test_the_packaged_units_raise_the_open_file_limit():
    units = sorted((ROOT / "deploy" / "systemd").rglob("*.service")) + sorted((ROOT / "deploy" / "systemd").rglob("*.conf"))
    assert any(unit.name == "hall-limits.conf" for unit in units), "the mosquitto drop-in is missing"
    for unit in units:
        assert "\nLimitNOFILE=65536\n" in unit.read_text(), f"{unit.name} keeps the default open-file limit"


def test_the_production_cloud_config_really_starts(tmp_path):
    """mosquitto itself runs the generated config (files and ports moved into the test's folder)."""
    import os
    import socket
    import time

    from cloud.broker import PRODUCTION_CERTS, free_port, mosquitto_binary
    from cloud.security import dev_ca
    certs = dev_ca(tmp_path / "tls")
    text = production_config("cloud", 1883)
    for name, path in PRODUCTION_CERTS.items():
        text = text.replace(str(path), str(certs[name]))
    ports = {old: free_port() for old in (1883, 8883, 8884)}
    for old, new in ports.items():
        text = text.replace(f"listener {old} ", f"listener {new} ")
    text = text.replace("/etc/mosquitto/", f"{tmp_path}/").replace("/var/lib/mosquitto", str(tmp_path)).replace("0.0.0.0", "127.0.0.1")
    (tmp_path / "passwords").write_text("")
    (tmp_path / "acl").write_text("")
    (tmp_path / "m.conf").write_text(("user root\n" if os.geteuid() == 0 else "") + text)
    broker = subprocess.Popen([mosquitto_binary(), "-c", str(tmp_path / "m.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        listening = set()
        while len(listening) < 3 and time.monotonic() < deadline and broker.poll() is None:
            for port in set(ports.values()) - listening:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    listening.add(port)
                except OSError:
                    time.sleep(0.05)
        assert listening == set(ports.values()), broker.stderr.read() if broker.poll() is not None else "not listening"
    finally:
        broker.terminate()          # mosquitto 2.0 with a WebSockets listener sometimes sleeps through SIGTERM
        try:
            broker.wait(timeout=5)
        except subprocess.TimeoutExpired:
            broker.kill()
            broker.wait()


def test_hall_broker_config_listens_locally_and_bridges_every_topic_at_qos_1():
    config = production_config("hall", 1883, Bridge("cloud.example:8883", "hall1", "s1"))
    assert "listener 1883 127.0.0.1" in config and all(line in config for line in MUST)
    topic_lines = [line for line in config.splitlines() if line.startswith("topic ")]
    assert len(topic_lines) == 10 and all(line.endswith(" 1") for line in topic_lines if "/video " not in line)
    assert "topic auction/hall/hall1/video out 0" in config and "topic auction/house/avatar/+ in 1" in config
    assert "topic auction/hall/hall1/bid out 1" in config and "notification_topic auction/hall/hall1/bridge" in config
    assert "auction/hall/hall1/#" not in config, "the local bridge notification must not go out"


def test_the_cli_prints_the_hall_config_from_the_toml():
    out = subprocess.run([sys.executable, "-m", "cloud.broker", "--role", "hall"], capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=60).stdout
    assert "address auction.example.net:8883" in out and "connection bridge-hall1" in out
    assert "bridge_cafile /etc/mosquitto/certs/ca.crt" in out


def test_the_hall_config_is_generated_without_importing_the_hall_box():
    """cloud/ never imports edge/ (issue 11): the hall broker's config is read with the shared loader."""
    probe = ("import sys; from cloud.broker import main; main(['--role', 'hall']); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('edge', 'hardware')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=60).stdout
    assert "connection bridge-hall1" in out and out.rstrip().endswith("[]")
