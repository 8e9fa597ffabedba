"""Registration from the page's form: the arbiter decides first, then the login and the avatar.
A taken or reserved account never touches anyone's broker password or picture."""
from __future__ import annotations

import base64
import json
import subprocess
import urllib.request
from dataclasses import replace

import pytest

from cloud.config import load
from cloud.web import PageServer
from shared import topics
from tests.integration.test_accounts import png

pytestmark = pytest.mark.broker


def post(url: str, form: dict) -> dict:
    request = urllib.request.Request(url + "register", data=json.dumps(form).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return json.loads(refused.read()) | {"http": refused.code}


def test_a_registration_from_the_page_writes_the_login_and_avatar_only_once_accepted(broker, arbiter, listen, tmp_path):
    passwords = tmp_path / "passwords"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwords), "arbiter", "arbiter-secret"], check=True, capture_output=True)
    reloads = []
    config = load()
    web = replace(config.web, port=0, registration=True, password_file=str(passwords))
    server = PageServer(replace(config, broker=replace(config.broker, port=broker.port), web=web), reload_broker=lambda: reloads.append(1)).start()
    avatars = listen(topics.HOUSE_AVATAR.filter())
    try:
        image = png(tmp_path / "carol.png").read_bytes()
        form = {"account": "carol", "handle": "carol_c", "password": "carol-secret", "pin": "5555", "avatar": base64.b64encode(image).decode()}
        assert post(server.url, form) == {"status": "ok", "message": "account carol registered: awaiting approval"}
        assert passwords.read_text().count("carol:") == 1 and reloads == [1]
        assert avatars.inbox.get(timeout=5)[0] == topics.HOUSE_AVATAR.format(account="carol")
        before = passwords.read_text()

        again = post(server.url, form | {"password": "hijacked-pw", "avatar": base64.b64encode(png(tmp_path / "x.png", (48, 48)).read_bytes()).decode()})
        assert again == {"status": "rejected", "message": "account carol is already registered"}
        role = post(server.url, form | {"account": "arbiter"})
        assert role["status"] == "rejected" and "login of a role" in role["message"]
        assert passwords.read_text() == before and reloads == [1] and avatars.inbox.empty()    # nothing overwritten

        short = post(server.url, form | {"account": "dave", "password": "short"})
        assert short == {"status": "refused", "message": "the password must have at least 8 characters", "http": 400}
        badpin = post(server.url, form | {"account": "dave", "pin": "12"})
        assert badpin["http"] == 400 and "4 to 8 digits" in badpin["message"]
    finally:
        server.shutdown()
        server.server_close()
