"""The page server: the page, mqtt.js, media, and a /config.json made from the one topic table."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import replace

import pytest

from cloud.config import load
from cloud.web import MQTT_JS, PageServer
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


def get(server, path: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(server.url.rstrip("/") + path, timeout=5) as answer:
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
    config = load()
    open_server = PageServer(replace(config, web=replace(config.web, port=0, registration=True))).start()
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
