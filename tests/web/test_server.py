"""The page server: the page, mqtt.js, media, and a /config.json made from the one topic table."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import replace

import pytest

from cloud.config import load
from cloud.web import MQTT_JS, VENDOR, PageLimits, PageServer, RegistrationGate
from shared import topics


@pytest.fixture
def server(tmp_path):
    (tmp_path / "avatars").mkdir()
    (tmp_path / "avatars" / "alice.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    (tmp_path.parent / "secret.txt").write_text("nope")
    config = load()
    running = PageServer(replace(config, web=replace(config.web, port=0, media=str(tmp_path)))).start()
    yield running
    running.shutdown()
    running.server_close()


def serve(tmp_path, limits: PageLimits = PageLimits(), **web) -> PageServer:
    config = load()
    return PageServer(replace(config, web=replace(config.web, port=0, media=str(tmp_path), **web)), limits).start()


def get(server, path: str, context=None) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(server.url.rstrip("/") + path, timeout=5, context=context) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read(), dict(refused.headers)


def test_the_page_and_its_scripts_are_served_with_a_strict_policy(server):
    status, body, headers = get(server, "/")
    assert status == 200 and b'<script src="app.js" defer></script>' in body
    assert "script-src 'self'" in headers["Content-Security-Policy"] and headers["X-Content-Type-Options"] == "nosniff"
    assert get(server, "/app.js")[0] == 200 and get(server, "/rules.js")[0] == 200
    if MQTT_JS.is_file():
        assert get(server, "/vendor/mqtt.min.js")[0] == 200


def test_every_script_a_page_names_is_served_as_javascript_after_the_shared_connection(server):
    """Under `nosniff` a script served with another type does not run; the pages' own scripts call
    web/connection.js as they load, so it comes before them."""
    for page, own in (("/", "app.js"), ("/collector", "collector.js")):
        names = re.findall(r'<script src="([^"]+)" defer></script>', get(server, page)[1].decode())
        assert names.index("connection.js") < names.index(own)
        for name in names:
            if name.startswith("vendor/") and not VENDOR["/" + name].is_file():
                continue
            status, _, headers = get(server, "/" + name)
            assert status == 200 and headers["Content-Type"].startswith("text/javascript"), (name, status, headers["Content-Type"])


def test_config_hands_the_page_its_topics_from_shared_topics(server):
    settings = json.loads(get(server, "/config.json")[1])
    assert settings["topics"]["lot"] == topics.LOT_STATE.format(sale="spring-2026")
    assert settings["topics"]["bid"].replace("{account}", "alice") == topics.BIDDER_BID.format(account="alice")
    assert settings["topics"]["video"] == topics.HALL_VIDEO.format(hall="hall1")
    assert (settings["currency"], settings["minor_digits"]) == ("HKD", 2)


def test_media_is_served_but_nothing_outside_it(server):
    assert get(server, "/media/avatars/alice.png")[:2] == (200, b"\x89PNG\r\n\x1a\nfake")
    for path in ("/media/../secret.txt", "/media/%2e%2e/secret.txt", "/media/avatars/../../secret.txt", "/etc/passwd", "/media/"):
        status, body, _ = get(server, path)
        assert status == 404 and b"nope" not in body


def post(server, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(server.url + "register", data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_registration_is_off_unless_configured_and_bad_forms_are_refused(server, tmp_path):
    assert post(server, b'{"account":"carol"}') == (403, {"status": "refused", "message": "registration is by the house only here"})
    open_server = serve(tmp_path, registration=True)
    try:
        status, answer = post(open_server, b"{not json")
        assert status == 400 and answer["message"].startswith("the form could not be read")
        status, answer = post(open_server, b'{"account":"carol","handle":"c","pin":"1234","avatar":"@@@"}')
        assert status == 400
        status, answer = post(open_server, b"x" * (500 * 1024))
        assert status == 413 and answer["message"] == "a registration is at most 400 KiB"
        assert json.loads(get(open_server, "/config.json")[1])["registration"] is True
    finally:
        open_server.shutdown()
        open_server.server_close()


def test_headers_limit_connections_to_the_configured_broker_and_name_no_server(server):
    _, _, headers = get(server, "/")
    policy = headers["Content-Security-Policy"]
    assert "connect-src 'self' ws://127.0.0.1:9001;" in policy and " wss:" not in policy and "ws: " not in policy
    assert headers["Referrer-Policy"] == "no-referrer" and "Strict-Transport-Security" not in headers     # plain HTTP: no HSTS
    assert "Python" not in headers.get("Server", "") and "aiohttp" not in headers.get("Server", "")
    assert get(server, "/nothing")[2]["Content-Security-Policy"] == policy                                # errors too


def test_over_tls_the_page_asks_for_https_only(tmp_path):
    import ssl

    from cloud.security import dev_ca
    certs = dev_ca(tmp_path / "tls")
    running = serve(tmp_path, certfile=str(certs["server.crt"]), keyfile=str(certs["server.key"]), broker_url="wss://auction.example:8884")
    try:
        status, _, headers = get(running, "/", ssl.create_default_context(cafile=str(certs["ca.crt"])))
        assert status == 200 and running.url.startswith("https://")
        assert headers["Strict-Transport-Security"] == "max-age=31536000"
        assert "connect-src 'self' wss://auction.example:8884;" in headers["Content-Security-Policy"]
    finally:
        running.shutdown()
        running.server_close()


def test_half_sent_requests_are_dropped_and_the_page_answers_beside_200_slow_sockets(tmp_path):
    import socket
    import time
    running = serve(tmp_path, PageLimits(request_s=1.5))
    host, port = running.address
    slow = []
    try:
        for _ in range(200):
            sock = socket.create_connection((host, port), timeout=5)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")            # and never the rest
            slow.append(sock)
        started = time.monotonic()
        assert get(running, "/")[0] == 200 and time.monotonic() - started < 1.0
        time.sleep(2.5)
        for sock in slow:
            try:
                assert sock.recv(1024) == b""                                    # closed by the server
            except ConnectionResetError:
                pass
    finally:
        for sock in slow:
            sock.close()
        running.shutdown()
        running.server_close()


def test_the_register_form_is_rate_limited_per_address(tmp_path):
    running = serve(tmp_path, PageLimits(registrations_per_address=2), registration=True)
    try:
        form = b'{"account":"carol","handle":"c","pin":"1234","avatar":"@@@"}'
        assert [post(running, form)[0] for _ in range(2)] == [400, 400]          # read and refused: each counted
        status, answer = post(running, form)
        assert status == 429 and answer["message"].startswith("too many registrations from your address: try again in ")
    finally:
        running.shutdown()
        running.server_close()


def test_the_gate_limits_each_address_and_everyone_together():
    gate = RegistrationGate(PageLimits(registrations_per_address=2, registrations_total=3, registration_window_s=60), now=0)
    assert [gate.wait_s("a", 0)[0] for _ in range(3)] == [0, 0, 30.0]           # a's third waits for a refill
    assert gate.wait_s("b", 0) == (0, "")
    wait, whose = gate.wait_s("c", 0)                                         # the house's fourth in the window
    assert whose == "for the house right now" and wait == 20.0
    assert gate.wait_s("c", 20.0) == (0, "")                                  # c was not charged for the refusal
