"""The collector's page in Debian's chromium against a real Mosquitto and the real arbiter: log in, give
the trade PIN, browse the catalog to a kind whose chart is drawn from its trades, buy against a resting
sell order (the PIN again at the confirmation, the all-in cost shown) and see the fill, the funds, the
holdings and the notice; place a good-till-date buy, amend it and cancel it; sell with ./hall trade and
see the page agree with the ledger to the minor unit; apply to a new issue and
see the allocation; stop a quantity clock. Phone-size and desktop screenshots are kept in the test's folder."""
from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest

from cloud.config import load
from cloud.web import CHART_JS, MQTT_JS, PageServer
from shared import backoffice as bo, market as mk, topics
from shared.money import format_amount
from tests.integration.test_market import KIND, PRICE, Trader, balances, desk_send, house, trade  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.broker]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NEW_KIND = "hk-dragon-2024-ms70"


@pytest.fixture
def page_url(broker):
    config = load()
    web = replace(config.web, port=0, broker_url=f"ws://127.0.0.1:{broker.ws_port}")
    server = PageServer(replace(config, web=web), pin_window_s=0).start()
    yield f"{server.url}collector"
    server.shutdown()
    server.server_close()


@pytest.fixture
def market(broker, house):  # noqa: F811
    """Two earlier trades of the kind (carol sells, bob buys), then carol's sell of 2 resting at 1,010 HKD."""
    carol, bob = Trader(broker, "carol"), Trader(broker, "bob")
    for n, price in enumerate((PRICE, PRICE + 2_000)):
        assert carol.order(f"s{n}", "sell", 1, price)["status"] == "ok"
        assert bob.order(f"b{n}", "buy", 1, price)["filled"] == 1
    assert carol.order("rest", "sell", 2, PRICE + 1_000)["remaining"] == 2
    yield carol
    carol.close()
    bob.close()


def confirm_with_pin(page, expect) -> None:
    expect(page.locator("#confirm")).to_be_visible()
    page.fill("#confirm-pin", "1234")
    page.click("#confirm-yes")


@pytest.mark.skipif(not Path(CHROMIUM).exists() or not MQTT_JS.is_file() or not CHART_JS.is_file(),
                    reason="needs Debian's chromium, mqtt.js and Chart.js: run ./hall test")
def test_browse_chart_buy_apply_and_stop_a_clock(broker, house, market, page_url, tmp_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(page_url)
        page.fill("#account", "alice")
        page.fill("#password", "any")
        page.click("#login button[type=submit]")
        expect(page.locator("#link")).to_have_text("connected", timeout=10_000)
        page.fill("#pin", "1234")
        page.click("#pin-form button")
        expect(page.locator("#pin-answer")).to_contain_text("PIN accepted")

        page.fill("#search", "dragon 1988")
        page.click(f"#kinds button[data-kind='{KIND}']")
        expect(page.locator("#value")).to_have_text("1,010 HKD")          # (1,000 + 1,020) / 2: two trades of this instant
        expect(page.locator("#confidence")).to_have_text("low")
        expect(page.locator("#f-owners")).to_have_text("3")
        points = page.evaluate("() => Chart.getChart(document.getElementById('chart')).data.datasets.map(d => d.data.length)")
        assert points[0] == 2 and points[1] >= 2, points                   # trades as points, the valuation as a line
        inked = page.evaluate("""() => { const c = document.getElementById('chart');
            const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 0; i < px.length; i += 4) if (px[i] === 138 && px[i + 1] === 59 && px[i + 2] === 18) n++; return n; }""")
        assert inked > 20, inked                                            # the trade points are drawn, in their colour

        page.screenshot(path=str(tmp_path / "collector-phone-kind.png"), full_page=True)
        page.fill("#price", "1,010.123")
        expect(page.locator("#all-in")).to_have_text("not an amount in HKD")             # three decimals: refused on the page
        page.click("#depth tr.ask")
        expect(page.locator("#price")).to_have_value("1010")
        expect(page.locator("#all-in")).to_have_text("All-in cost up to 1,012.02 HKD (1,010 HKD + fee up to 2.02 HKD)")
        page.click("#place")
        expect(page.locator("#confirm-text")).to_contain_text("1,012.02 HKD")
        confirm_with_pin(page, expect)
        expect(page.locator("#notices li").first).to_contain_text(f"Bought 1 {KIND} at 1,010 HKD", timeout=10_000)
        page.click("[data-tab=mine]")
        expect(page.locator(f"#holdings tr[data-kind='{KIND}'] td").nth(1)).to_have_text("51")
        expect(page.locator("#funds-available")).to_have_text("98,987.98 HKD")      # 100,000 - 1,010 - 2.02
        expect(page.locator("#statement tbody tr").first).to_be_visible()
        page.screenshot(path=str(tmp_path / "collector-phone-mine.png"), full_page=True)

        page.click("[data-tab=catalog]")                                    # a resting buy, amended, then cancelled
        page.fill("#price", "1000")
        page.select_option("#tif", "gtd")
        page.fill("#until", time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 3_600)))
        page.click("#place")
        expect(page.locator("#confirm-text")).to_contain_text("good till date")
        confirm_with_pin(page, expect)
        page.click("[data-tab=mine]")
        orders = page.locator("#orders li")
        expect(orders).to_have_count(1, timeout=10_000)
        expect(orders.first).to_contain_text(f"buy 1 of 1 {KIND} at 1,000 HKD · good till date")
        orders.first.locator("input").first.fill("2")
        orders.first.get_by_role("button", name="Amend").click()
        expect(page.locator("#confirm-text")).to_contain_text("placed again as a new order")
        confirm_with_pin(page, expect)
        expect(orders.first).to_contain_text("buy 2 of 2", timeout=10_000)
        expect(orders).to_have_count(1)
        orders.first.get_by_role("button", name="Cancel").click()
        confirm_with_pin(page, expect)
        expect(orders).to_have_count(0, timeout=10_000)

        assert market.order("bid", "buy", 3, PRICE)["remaining"] == 3       # alice sells into it with ./hall trade
        sold = trade(broker, "alice", "1234", "sell", KIND, "3", "1,000")
        assert sold.returncode == 0, sold.stdout + sold.stderr
        expect(page.locator(f"#holdings tr[data-kind='{KIND}'] td").nth(1)).to_have_text("48", timeout=10_000)
        ledger = balances(house, "alice")                                   # the ledger's own figures, to the minor unit
        cash, units = ledger["HKD"], ledger[f"units:{KIND}"]
        expect(page.locator("#funds-available")).to_have_text(format_amount(cash[1], "HKD"))
        expect(page.locator("#funds-held")).to_have_text(format_amount(cash[0] - cash[1], "HKD"))
        expect(page.locator(f"#holdings tr[data-kind='{KIND}'] td").nth(2)).to_have_text(str(units[0] - units[1]))
        assert units[0] == 48

        desk_send(house, bo.CatalogCommand(command_id="k2", action="define_kind", kind=bo.KindSpec(
            kind=NEW_KIND, category="precious_metal_coins", name="Hong Kong 2024 Dragon", grade=bo.Grade("sheldon", "MS-70"),
            issue_year=2024)), topics.HOUSE_CUSTODY)
        opens = int(time.time() * 1000) + 300
        terms = mk.IssueTerms(issue_id="i1", kind=NEW_KIND, issuer="mint", quantity=100, price=50_000, currency="HKD",
                              opens_at_ms=opens, closes_at_ms=opens + 12_000)
        desk_send(house, mk.MarketCommand(command_id="n1", action="open_issue", issue=terms), topics.HOUSE_MARKET)
        page.click("[data-tab=catalog]")
        page.fill("#search", "2024")
        page.wait_for_timeout(max(0, opens - int(time.time() * 1000)) + 100)
        page.click(f"#kinds button[data-kind='{NEW_KIND}']")
        issue = page.locator("#issues li[data-issue=i1]")
        issue.locator("input").fill("5")
        issue.locator("button").click()
        confirm_with_pin(page, expect)
        expect(page.locator("#answer")).to_contain_text("applied for 5", timeout=10_000)
        expect(issue.locator(".allocation")).to_have_text("allocated: #1 5 of 5", timeout=20_000)
        expect(page.locator("#notices li").first).to_contain_text("Issue i1: you were allocated 5 of 5")

        starts = int(time.time() * 1000) + 300
        market.send(topics.BIDDER_CLOCK, mk.ClockListing(clock_id="c1", kind=KIND, quantity=20, minimum=5, top=2 * PRICE,
                                                         floor=PRICE, currency="HKD", starts_at_ms=starts, ends_at_ms=starts + 60_000))
        assert market.answer("c1")["status"] == "ok"
        page.fill("#search", "1988")
        page.click(f"#kinds button[data-kind='{KIND}']")
        clock = page.locator("#clocks li[data-clock=c1]")
        expect(clock).to_contain_text("running", timeout=10_000)
        clock.locator("button").click()
        confirm_with_pin(page, expect)
        expect(clock).to_contain_text("15 of 20 left", timeout=10_000)
        expect(page.locator("#tape li").first).to_contain_text("clock · 5 at")
        assert errors == []

        desktop = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        desktop.goto(page_url)
        desktop.fill("#account", "alice")
        desktop.fill("#password", "any")
        desktop.click("#login button[type=submit]")
        desktop.click(f"#kinds button[data-kind='{KIND}']", timeout=10_000)
        expect(desktop.locator("#value")).not_to_have_text("-")
        desktop.screenshot(path=str(tmp_path / "collector-desktop.png"), full_page=True)
        browser.close()
