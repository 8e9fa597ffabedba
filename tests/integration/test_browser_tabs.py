"""Two windows of one bidder in Debian's chromium, on the secured cloud broker where a client id is
its login: the newer window takes the session over, the older one says so and stops (no reconnect
ping-pong), and logging in again there takes it back."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from cloud.web import MQTT_JS
from tests.integration.test_browser import CHROMIUM, page_url  # noqa: F401 (fixture)
from tests.integration.test_security import USERS, arbiter, certs, cloud  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.broker]
TAKEN = "this account is now open in another window: log in again to bid here"


@pytest.mark.skipif(not Path(CHROMIUM).exists() or not MQTT_JS.is_file(), reason="needs Debian's chromium and mqtt.js: run ./hall test")
def test_a_second_window_takes_the_session_over_and_the_first_says_so(cloud, arbiter, page_url):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--ignore-certificate-errors", "--no-sandbox"])
        context = browser.new_context(ignore_https_errors=True)
        first, second = context.new_page(), context.new_page()
        for page in (first, second):
            page.goto(page_url)
            page.fill("#account", "alice")
            page.fill("#password", USERS["alice"])
            page.click("#login button[type=submit]")
            expect(page.locator("#link")).to_have_text("connected", timeout=10_000)
            page.fill("#pin", "1234")
            page.click("#pin-form button")
            expect(page.locator("#pin-answer")).to_have_text("PIN accepted: you may bid and trade", timeout=10_000)
        expect(first.locator("#link")).to_have_text("taken over by another window")
        expect(first.locator("#login-error")).to_have_text(TAKEN)
        first.wait_for_timeout(3_000)                                     # nobody reconnects by itself
        expect(first.locator("#link")).to_have_text("taken over by another window")
        expect(second.locator("#link")).to_have_text("connected")

        first.click("#login button[type=submit]")                         # back to the first window
        expect(first.locator("#link")).to_have_text("connected", timeout=10_000)
        expect(first.locator("#pin-answer")).to_have_text("PIN accepted: you may bid and trade", timeout=10_000)
        expect(second.locator("#login-error")).to_have_text(TAKEN)
        browser.close()


@pytest.mark.skipif(not Path(CHROMIUM).exists() or not MQTT_JS.is_file(), reason="needs Debian's chromium and mqtt.js: run ./hall test")
def test_two_devices_of_one_login_settle_on_one_instead_of_pushing_each_other_off(cloud, arbiter, page_url):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--ignore-certificate-errors", "--no-sandbox"])
        devices = [browser.new_context(ignore_https_errors=True).new_page() for _ in range(2)]      # no shared channel
        for page in devices:
            page.goto(page_url)
            page.fill("#account", "alice")
            page.fill("#password", USERS["alice"])
            page.click("#login button[type=submit]")
            expect(page.locator("#link")).to_have_text("connected", timeout=10_000)
        texts = lambda: sorted(page.locator("#link").inner_text() for page in devices)  # noqa: E731
        deadline = time.monotonic() + 20
        while "taken over by another device" not in texts() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(4)                                                     # settled: one stays connected
        assert texts() == ["connected", "taken over by another device"]
        browser.close()
