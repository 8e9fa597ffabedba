"""Registration from the page's form: the arbiter decides first, then the login (pending until the
house approves) and the avatar. A taken or reserved account never touches anyone's broker password
or picture; an unapproved one has no broker login at all."""
from __future__ import annotations

import base64
import json
import subprocess
import urllib.request
from dataclasses import replace

import pytest

from cloud.config import load
from cloud.house import HouseDesk, approve, decline, pending_logins
from cloud.web import PageLimits, PageServer
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


def test_a_registration_from_the_page_gets_a_login_only_once_the_house_approves(broker, arbiter, listen, tmp_path):
    passwords = tmp_path / "passwords"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwords), "arbiter", "arbiter-secret"], check=True, capture_output=True)
    reloads = []
    config = replace(load(), broker=replace(load().broker, port=broker.port))
    web = replace(config.web, port=0, registration=True, password_file=str(passwords))
    server = PageServer(replace(config, web=web), PageLimits(registrations_per_address=20)).start()   # one address here
    avatars = listen(topics.HOUSE_AVATAR.filter())
    try:
        image = png(tmp_path / "carol.png").read_bytes()
        form = {"account": "carol", "handle": "carol_c", "password": "carol-secret", "pin": "5555", "avatar": base64.b64encode(image).decode()}
        assert post(server.url, form) == {"status": "ok", "message": "account carol registered: awaiting approval"}
        assert "carol:" not in passwords.read_text() and list(pending_logins(str(passwords))) == ["carol"]     # no login yet
        assert "carol-secret" not in (tmp_path / "passwords.pending").read_text()                            # hashed
        assert avatars.inbox.get(timeout=5)[0] == topics.HOUSE_AVATAR.format(account="carol")
        before = passwords.read_text(), (tmp_path / "passwords.pending").read_text()

        again = post(server.url, form | {"password": "hijacked-pw", "avatar": base64.b64encode(png(tmp_path / "x.png", (48, 48)).read_bytes()).decode()})
        assert again == {"status": "rejected", "message": "account carol is already registered"}
        role = post(server.url, form | {"account": "arbiter"})
        assert role == {"status": "refused", "message": "'arbiter' is a role's login", "http": 400}
        colon = post(server.url, form | {"account": "colon:name"})
        assert colon["http"] == 400 and colon["message"].startswith("'colon:name' cannot be an account: use 1 to 64 letters")
        handle = post(server.url, form | {"account": "mallory", "password": "mallory-pw"})
        assert handle == {"status": "rejected", "message": "the handle 'carol_c' is taken: choose another"}
        assert (passwords.read_text(), (tmp_path / "passwords.pending").read_text()) == before and avatars.inbox.empty()

        short = post(server.url, form | {"account": "dave", "password": "short"})
        assert short == {"status": "refused", "message": "the password must have at least 8 characters", "http": 400}
        badpin = post(server.url, form | {"account": "dave", "pin": "12"})
        assert badpin["http"] == 400 and "4 to 8 digits" in badpin["message"]

        desk = HouseDesk(config.broker)
        try:
            assert approve(desk, "carol", {}, str(passwords), lambda: reloads.append(1))["status"] == "ok"
        finally:
            desk.close()
        assert passwords.read_text().count("carol:") == 1 and pending_logins(str(passwords)) == {} and reloads == [1]
    finally:
        server.shutdown()
        server.server_close()


def test_pending_registrations_are_capped_and_a_declined_one_leaves_no_login(broker, arbiter, tmp_path):
    from cloud.house import Registration, register
    passwords = tmp_path / "passwords"
    passwords.write_text("")
    desk = HouseDesk(replace(load().broker, port=broker.port))
    try:
        assert register(desk, Registration("erin", "erin_e", "5555", "erin-secret"), str(passwords), max_pending=1)["status"] == "ok"
        with pytest.raises(ValueError, match="1 registrations already await the house's approval: try again later"):
            register(desk, Registration("frank", "frank_f", "5555", "frank-secret"), str(passwords), max_pending=1)
        assert decline(desk, "erin", str(passwords))["status"] == "ok"
        assert pending_logins(str(passwords)) == {} and "erin" not in passwords.read_text()
        assert register(desk, Registration("frank", "frank_f", "5555", "frank-secret"), str(passwords), max_pending=1)["status"] == "ok"
    finally:
        desk.close()


def test_the_account_desk_cli_approves_a_pending_login_into_the_password_file(broker, arbiter, tmp_path):
    from tests.integration.test_accounts import desk
    passwords = tmp_path / "passwords"
    passwords.write_text("")
    registered = desk(broker, "register", "gina", "--handle", "gina_g", "--password-file", str(passwords), "--login-password", "gina-secret", pin="5555")
    assert registered.stdout == "ok: account gina registered: awaiting approval\n" and passwords.read_text() == ""
    approved = desk(broker, "approve", "gina", "--password-file", str(passwords))
    assert approved.returncode == 0 and passwords.read_text().startswith("gina:$7$") and pending_logins(str(passwords)) == {}
    refused = desk(broker, "register", "colon:name", "--handle", "c", pin="5555")
    assert refused.returncode == 1 and "'colon:name' cannot be an account" in refused.stderr
