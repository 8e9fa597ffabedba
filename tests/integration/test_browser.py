"""The remote bidder's page in Debian's chromium, against the production topology on one machine:
a secured cloud broker (TLS, WebSockets over TLS, passwords, ACL), the arbiter, the hall's broker
bridged to it over TLS, and a hall box with simulated paddles and a synthetic camera.

Log in, get the PIN wrong once then right, bid the asking price with one confirmation, be outbid by
a paddle press in the room, see the lot sold; the hall video shows with its age; the cloud broker
restarts and the page reconnects and gives the PIN again by itself. Screenshots (phone
and desktop) are kept in the test's output folder.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from cloud.broker import Bridge, Broker
from cloud.config import load
from cloud.web import MQTT_JS, PageServer
from shared import messages, topics
from shared.mqtt import connect_and_wait, make_client
from tests.conftest import ROOT, awaited_line
from tests.integration.test_security import USERS, arbiter, certs, cloud  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.broker]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HALL, SALE = "hall1", "spring-2026"


@pytest.fixture
def hall(cloud, certs, tmp_path):  # noqa: F811
    """The hall's broker bridged to the cloud over TLS, and a hall box process on it."""
    bridge = Bridge(f"127.0.0.1:{cloud.tls_port}", HALL, SALE, cafile=str(certs["ca.crt"]), username="hall-hall1", password=USERS["hall-hall1"])
    with Broker(tmp_path / "hall", bridge=bridge) as broker:
        env = os.environ | {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", "SDL_VIDEODRIVER": "dummy"}
        box = subprocess.Popen([sys.executable, "-m", "edge", "--simulate", "--no-display", "--port", str(broker.port),
                                "--store", str(tmp_path / "hall.sqlite3"), "--media", str(tmp_path / "hall-media")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
        awaited_line(box, "link up")
        room = make_client()
        connect_and_wait(room, broker.host, broker.port)
        time.sleep(0.6)                                   # the paddles tare
        yield room
        room.disconnect()
        room.loop_stop()
        box.terminate()
        box.wait(timeout=10)


@pytest.fixture
def page_url(cloud, certs):  # noqa: F811
    config = load()
    web = replace(config.web, port=0, broker_url=f"wss://127.0.0.1:{cloud.ws_port}")
    server = PageServer(replace(config, web=web)).start()
    yield server.url
    server.shutdown()
    server.server_close()


def command_hall(room, action: str, **fields) -> None:
    body = messages.Command(command_id=f"b-{action}-{time.monotonic_ns()}", action=action, **fields)
    room.publish(topics.HALL_COMMAND.format(hall=HALL), messages.encode(body), qos=1).wait_for_publish(5)


@pytest.mark.skipif(not Path(CHROMIUM).exists() or not MQTT_JS.is_file(), reason="needs Debian's chromium and mqtt.js: run ./hall test")
def test_log_in_pin_bid_outbid_by_a_paddle_sold_and_reconnect(cloud, arbiter, hall, page_url, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--ignore-certificate-errors", "--no-sandbox"])
        page = browser.new_context(viewport={"width": 390, "height": 844}, ignore_https_errors=True).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(page_url)
        page.fill("#account", "alice")
        page.fill("#password", "a guess")
        page.click("#login button[type=submit]")
        expect(page.locator("#login-error")).to_have_text("login refused: check the account and password", timeout=10_000)
        page.fill("#password", USERS["alice"])
        page.click("#login button[type=submit]")
        expect(page.locator("#link")).to_have_text("connected", timeout=10_000)

        page.fill("#pin", "9999")
        page.click("#pin-form button")
        expect(page.locator("#pin-answer")).to_have_text("wrong PIN: 4 attempts left before bidding locks")
        page.fill("#pin", "1234")
        page.click("#pin-form button")
        expect(page.locator("#pin-answer")).to_have_text("PIN accepted: you may bid and trade")

        command_hall(hall, "open_lot")
        expect(page.locator("#bid")).to_have_text("Bid 800 HKD", timeout=10_000)
        expect(page.locator("#run-list li").first).to_contain_text("open")
        page.click("#bid")
        expect(page.locator("#bid")).to_have_text("Confirm 800 HKD")
        page.click("#bid")
        expect(page.locator("#my-bids li").first).to_have_text("Lot 1: bid 800 HKD · leading")
        expect(page.locator("#leader-name")).to_have_text("alice_hk")

        hall.publish(topics.SIM_PRESS.format(hall=HALL), messages.encode(messages.SimPress(paddle=12, grams=1_000, hold_ms=200)), qos=1)
        expect(page.locator("#leader-name")).to_have_text("Paddle 12 · Mr Lee", timeout=10_000)
        expect(page.locator("#my-bids li").first).to_have_text("Lot 1: bid 800 HKD · outbid")
        expect(page.locator("#bid")).to_have_text("Bid 900 HKD")
        expect(page.locator("#bid-answer")).to_have_text("outbid: asking is now 900 HKD")

        expect(page.locator("#video-age")).to_contain_text("hall video", timeout=10_000)
        drawn = "img => { const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight; " \
                "c.getContext('2d').drawImage(img, 0, 0); return c.toDataURL(); }"
        first = page.eval_on_selector("#video", drawn)
        page.wait_for_timeout(1_200)                       # 2 frames a second: the picture moves
        assert page.eval_on_selector("#video", drawn) != first and len(first) > 1_000
        page.screenshot(path=str(tmp_path / "page-phone-outbid.png"), full_page=True)

        command_hall(hall, "lift_reserve")
        command_hall(hall, "hammer")
        expect(page.locator("#lot-status")).to_have_text("Sold to Paddle 12 · Mr Lee for 850 HKD", timeout=10_000)
        expect(page.locator("#bid")).to_have_text("Bidding closed")
        expect(page.locator("#bid-answer")).to_have_text("outbid: sold to Paddle 12 · Mr Lee")
        expect(page.locator("#run-list li").first).to_contain_text("sold 850 HKD")
        command_hall(hall, "message", text="Lot 2 next: the Penny Black")
        expect(page.locator("#messages li").first).to_contain_text("Lot 2 next: the Penny Black")
        page.screenshot(path=str(tmp_path / "page-phone-sold.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(tmp_path / "page-desktop-sold.png"), full_page=True)

        cloud.stop()                                      # the cloud broker restarts: the page reconnects by itself
        expect(page.locator("#bid")).to_have_text("Reconnecting…", timeout=10_000)
        expect(page.locator("#pin-answer")).to_have_text("connection lost: the PIN is given again on reconnect")
        cloud.start()
        expect(page.locator("#link")).to_have_text("connected", timeout=15_000)
        expect(page.locator("#pin-answer")).to_have_text("PIN accepted: you may bid and trade", timeout=10_000)
        assert errors == []
        browser.close()
    print(f"screenshots in {tmp_path}")


@pytest.fixture
def registering_page(cloud, certs):  # noqa: F811
    """The page with its register form on: the server registers as `house` and keeps the logins pending."""
    config = load()
    web = replace(config.web, port=0, broker_url=f"wss://127.0.0.1:{cloud.ws_port}", registration=True,
                  house_password=USERS["house"], password_file=str(cloud.data / "passwords"))
    broker = replace(config.broker, port=cloud.tls_port, cafile=str(certs["ca.crt"]))
    server = PageServer(replace(config, broker=broker, web=web)).start()
    yield server.url
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(not Path(CHROMIUM).exists() or not MQTT_JS.is_file(), reason="needs Debian's chromium and mqtt.js: run ./hall test")
def test_register_on_the_page_wait_for_approval_then_bid_with_the_avatar_shown(cloud, certs, arbiter, hall, registering_page, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    from cloud.house import HouseDesk, approve
    from tests.integration.test_accounts import png
    avatar = png(tmp_path / "carol.png")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--ignore-certificate-errors", "--no-sandbox"])
        page = browser.new_context(viewport={"width": 390, "height": 844}, ignore_https_errors=True).new_page()
        page.goto(registering_page)
        page.click("#show-register")
        page.fill("#reg-account", "carol")
        page.fill("#reg-handle", "carol_c")
        page.fill("#reg-password", "carol-secret")
        page.fill("#reg-pin", "5555")
        page.set_input_files("#reg-avatar", str(avatar))
        page.click("#register button[type=submit]")
        expect(page.locator("#register-answer")).to_have_text("account carol registered: awaiting approval", timeout=15_000)
        assert page.input_value("#reg-password") == "" and page.input_value("#reg-pin") == ""   # no secret lingers in the form

        page.fill("#account", "carol")
        page.fill("#password", "carol-secret")                    # no broker login before the house approves
        page.click("#login button[type=submit]")
        expect(page.locator("#login-error")).to_have_text("login refused: check the account and password", timeout=10_000)

        desk = HouseDesk(replace(load().broker, port=cloud.tls_port, cafile=str(certs["ca.crt"])), USERS["house"])
        reload_broker = lambda: cloud.process.send_signal(signal.SIGHUP)  # noqa: E731
        assert approve(desk, "carol", {}, str(cloud.data / "passwords"), reload_broker)["status"] == "ok"
        desk.close()
        page.click("#login button[type=submit]")                  # approved: the login works (the broker reloaded)
        expect(page.locator("#link")).to_have_text("connected", timeout=10_000)
        expect(page.locator("#register")).to_be_hidden()                # logged in: registering is done
        page.fill("#pin", "5555")
        page.click("#pin-form button")
        expect(page.locator("#pin-answer")).to_have_text("PIN accepted: you may bid and trade")

        command_hall(hall, "open_lot")
        page.click("#bid")
        page.click("#bid")
        expect(page.locator("#leader-name")).to_have_text("carol_c", timeout=10_000)
        expect(page.locator("#leader-avatar")).to_be_visible()            # from its retained topic, not the media folder
        assert page.eval_on_selector("#leader-avatar", "img => img.src.startsWith('blob:') && img.naturalWidth === 64")
        page.screenshot(path=str(tmp_path / "page-registered-leading.png"), full_page=True)
        assert (tmp_path / "hall-media" / "avatars" / "carol.png").read_bytes() == avatar.read_bytes()   # and on the hall box
        browser.close()
