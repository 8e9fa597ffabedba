"""./hall web: serves the remote bidders' page; the page itself talks MQTT over WebSockets.

The server is deliberately dumb: static files, mqtt.js from web/node_modules (installed from the
npm registry by ./hall), lot images and avatars from the media folder, and /config.json, which
hands the page what it must not hard-code: the broker's WebSockets URL, the sale, and every topic
it uses, formatted from shared/topics.py. Bids, PINs and results never pass through here. The one
thing it does: POST /register (when [web] registration is on) hands a registration to the house's
desk (cloud/house.py), which the arbiter decides; the house approves it later, and only then does
the bidder get a broker login.

Served by aiohttp, not `http.server`: a maintained asyncio server whose connections cost no thread,
with a deadline for a whole request (a half-sent one is dropped: `http.server` kept 20 open for
35 s and stopped answering at 1,026), bounded header and body sizes, and keep-alive it manages
itself. uvicorn would need an ASGI framework on top for the same few routes; aiohttp is one library.

    ./hall web [--config FILE] [--port N]       then open http://HOST:PORT/ on a phone or a desktop
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import json
import mimetypes
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from cloud.config import Config, WebConfig, load
from cloud.house import DeskError, HouseDesk, Registration, register
from cloud.market.policy import MarketPolicy
from shared import topics
from shared.money import MINOR_DIGITS

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "web"
FILES = {"/": "index.html", "/index.html": "index.html", "/app.js": "app.js", "/rules.js": "rules.js", "/style.css": "style.css",
         "/connection.js": "connection.js", "/collector": "collector.html", "/collector.html": "collector.html", "/collector.js": "collector.js",
         "/collector.css": "collector.css"}
MQTT_JS = PAGE / "node_modules" / "mqtt" / "dist" / "mqtt.min.js"
CHART_JS = PAGE / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"      # the collector's price chart
VENDOR = {"/vendor/mqtt.min.js": MQTT_JS, "/vendor/chart.umd.min.js": CHART_JS}
MAX_FORM = 400 * 1024              # a registration with its avatar (base64)


@dataclass(frozen=True)
class PageLimits:
    """What one visitor, or all of them, may cost the page server. The defaults suit a sale with a
    few thousand remote bidders; registrations are rare and each costs a scrypt hash and a journal row."""
    request_s: float = 10.0                  # a connection sends a whole request (line, headers) within this, and idles no longer
    body_s: float = 20.0                     # ... and its body within this
    max_body: int = MAX_FORM
    max_header_bytes: int = 8190             # one header line; at most 100 of them
    registrations_per_address: int = 3       # per address, refilled over `registration_window_s`
    registrations_total: int = 30            # for everyone together, over the same window
    registration_window_s: float = 600.0
    # One house desk at a time: on the broker's public listeners a client id is its login, so two
    # `house` desks at once would push each other off (a registration takes ~0.1 s).
    concurrent_registrations: int = 1


@dataclass
class Bucket:
    """A token bucket: `capacity` at once, refilled evenly over `window_s`."""
    capacity: int
    window_s: float
    at: float                                # when it was last refilled (time.monotonic())
    tokens: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def take(self, now: float) -> float:
        """0 if a token was taken, else the seconds until one is there."""
        rate = self.capacity / self.window_s
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / rate


class RegistrationGate:
    """Rate limits on the register form: per address and in total (addresses quiet for a whole
    window are forgotten once the table is large, so it cannot grow without bound)."""

    def __init__(self, limits: PageLimits, now: float):
        self.limits = limits
        self.total = Bucket(limits.registrations_total, limits.registration_window_s, now)
        self.addresses: dict[str, Bucket] = {}

    def wait_s(self, address: str, now: float) -> tuple[float, str]:
        """(0, "") to let a registration through, else (seconds to wait, whose limit it was)."""
        if len(self.addresses) > 4096:
            self.addresses = {a: b for a, b in self.addresses.items() if now - b.at < self.limits.registration_window_s}
        mine = self.addresses.setdefault(address, Bucket(self.limits.registrations_per_address, self.limits.registration_window_s, now))
        if wait := mine.take(now):
            return wait, "from your address"
        if wait := self.total.take(now):
            mine.tokens += 1                          # not this address's fault: give its token back
            return wait, "for the house right now"
        return 0.0, ""


def page_config(config: Config, pin_window_s: int = 0) -> dict[str, Any]:
    """What the pages need to know, every topic from the one topic table. `pin_window_s`: the collector's
    page asks the trade PIN again before a trade-changing action once this long has passed (0: every time)."""
    sale, hall = config.sale.id, config.sale.hall
    mine = {"bid": topics.BIDDER_BID, "max": topics.BIDDER_MAX, "pin": topics.BIDDER_PIN, "presence": topics.BIDDER_PRESENCE,
            "result": topics.BIDDER_RESULT, "avatar": topics.HOUSE_AVATAR}
    return {
        "broker_url": config.web.broker_url, "sale": sale, "hall": hall, "currency": config.sale.currency,
        "minor_digits": MINOR_DIGITS[config.sale.currency], "registration": config.web.registration,
        "topics": {"lot": topics.LOT_STATE.format(sale=sale), "catalog": topics.SALE_CATALOG.format(sale=sale),
                   "message": topics.SALE_MESSAGE.format(sale=sale), "video": topics.HALL_VIDEO.format(hall=hall),
                   **{name: topic.format(account="ACCOUNT").replace("ACCOUNT", "{account}") for name, topic in mine.items()}},
        "collector": {name: f"{topics.ROOT}/{topic.pattern}" for name, topic in COLLECTOR_TOPICS.items()},
        "pin_window_s": pin_window_s, "fees": {"maker_bps": FEES.maker_bps, "taker_bps": FEES.taker_bps},
    }


FEES = MarketPolicy()          # the all-in cost the collector's page shows before a confirmation: the house's default fees
# The collector's page (web/collector.*): each topic with its {placeholders}, filled in by the page.
COLLECTOR_TOPICS = {
    "kind_market": topics.KIND_MARKET, "depth": topics.MARKET_DEPTH, "tape": topics.MARKET_TAPE, "clock": topics.MARKET_CLOCK,
    "issue": topics.MARKET_ISSUE, "statement": topics.USER_STATEMENT, "holdings": topics.USER_HOLDINGS,
    "notice": topics.USER_NOTICE, "orders": topics.USER_ORDERS, "result": topics.BIDDER_RESULT,
    "order": topics.BIDDER_ORDER, "cancel": topics.BIDDER_CANCEL, "amend": topics.BIDDER_AMEND, "clock_cmd": topics.BIDDER_CLOCK,
    "apply": topics.BIDDER_APPLY,
}


def security_headers(config: WebConfig, tls: bool) -> dict[str, str]:
    """The page may connect to itself and to the configured broker, nothing else; no referrer leaves
    it; served over TLS, browsers are told to keep to HTTPS."""
    broker = urlsplit(config.broker_url)
    policy = (f"default-src 'self'; img-src 'self' blob: data:; connect-src 'self' {broker.scheme}://{broker.netloc}; "
              "style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
    headers = {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
               "Cache-Control": "no-cache", "Server": "hall"}
    if tls:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


class PageServer:
    """`PageServer(config).start()` serves on a thread of its own (tests, the demo); `serve_forever()`
    in the calling thread (./hall web). Port 0 picks a free port: see `url`."""

    def __init__(self, config: Config, limits: PageLimits = PageLimits(), pin_window_s: int = 0):
        self.config, self.limits = config, limits
        self.settings = json.dumps(page_config(config, pin_window_s)).encode()
        self.media = Path(config.web.media).resolve()
        self.tls: ssl.SSLContext | None = None
        if config.web.certfile:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(config.web.certfile, config.web.keyfile)
        self.headers = security_headers(config.web, self.tls is not None)
        self.gate = RegistrationGate(limits, time.monotonic())
        self.desks = asyncio.Semaphore(limits.concurrent_registrations)
        self.loop = asyncio.new_event_loop()
        self.runner: web.AppRunner | None = None
        self.thread: threading.Thread | None = None
        self.address = ("", 0)
        self.loop.run_until_complete(self._listen())

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=self.limits.max_body, handler_args={
            "max_line_size": self.limits.max_header_bytes, "max_field_size": self.limits.max_header_bytes, "max_headers": 100})
        app.router.add_post("/register", self._register)
        app.router.add_get("/{path:.*}", self._get)
        app.on_response_prepare.append(self._secure)
        return app

    async def _listen(self) -> None:
        # keepalive_timeout is also aiohttp's deadline for a connection's first request: half-sent ones are closed
        self.runner = web.AppRunner(self._app(), access_log=None, keepalive_timeout=self.limits.request_s, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.config.web.host, self.config.web.port, ssl_context=self.tls, backlog=1024)
        await site.start()
        self.address = site._server.sockets[0].getsockname()[:2]  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.address[0]}:{self.address[1]}/"

    def start(self) -> "PageServer":
        self.thread = threading.Thread(target=self.loop.run_forever, name="web", daemon=True)
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self.loop.run_forever()
        finally:
            self.loop.run_until_complete(self._close())

    def shutdown(self) -> None:
        """Stop serving: open connections are closed and the thread ends."""
        asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        if self.thread:
            self.thread.join(timeout=10)

    def server_close(self) -> None:
        self.loop.close()

    async def _close(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    async def _secure(self, request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(self.headers)

    async def _get(self, request: web.Request) -> web.Response:
        path = request.path
        if path == "/config.json":
            return web.Response(body=self.settings, content_type="application/json", charset="utf-8")
        if path in FILES:
            return self._file(PAGE / FILES[path])
        if path in VENDOR:
            if not VENDOR[path].is_file():
                return _text(503, f"{VENDOR[path].name} is not installed: run ./hall once (npm ci in web/)")
            return self._file(VENDOR[path])
        if path.startswith("/media/"):
            wanted = (self.media / path.removeprefix("/media/")).resolve()
            if self.media in wanted.parents and wanted.is_file():
                return self._file(wanted)
        return _text(404, f"nothing at {path}")

    @staticmethod
    def _file(path: Path) -> web.Response:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return web.Response(body=path.read_bytes(), content_type=kind, charset="utf-8" if kind.startswith(("text/", "application/j")) else None)

    async def _register(self, request: web.Request) -> web.Response:
        web_config = self.config.web
        if not web_config.registration:
            return _answer(403, "refused", "registration is by the house only here")
        if not 0 < (request.content_length or 0) <= self.limits.max_body:
            return _answer(413, "refused", f"a registration is at most {self.limits.max_body // 1024} KiB")
        wait, whose = self.gate.wait_s(request.remote or "", time.monotonic())
        if wait:
            return _answer(429, "refused", f"too many registrations {whose}: try again in {int(wait) + 1} s", {"Retry-After": str(int(wait) + 1)})
        try:
            async with asyncio.timeout(self.limits.body_s):
                body = await request.read()
            form = json.loads(body)
            avatar = base64.b64decode(form["avatar"], validate=True) if form.get("avatar") else None
            registration = Registration(str(form["account"]), str(form["handle"]), str(form["pin"]), str(form.get("password", "")), avatar)
        except TimeoutError:
            return _answer(408, "refused", f"the form did not arrive within {self.limits.body_s:g} s")
        except (ValueError, KeyError, TypeError, binascii.Error, RecursionError) as bad:
            return _answer(400, "refused", f"the form could not be read: {bad}")
        async with self.desks:
            return await asyncio.get_running_loop().run_in_executor(None, self._register_now, registration)

    def _register_now(self, registration: Registration) -> web.Response:
        """On a worker thread: the desk is blocking MQTT, scrypt and mosquitto_passwd."""
        web_config = self.config.web
        try:
            desk = HouseDesk(self.config.broker, web_config.house_password)
        except ConnectionError as down:
            return _answer(503, "refused", f"the house's desk is unreachable: {down}")
        try:
            answer = register(desk, registration, web_config.password_file)
        except DeskError as refused:
            return _answer(400, "refused", str(refused))
        except TimeoutError as silent:
            return _answer(503, "refused", str(silent))
        finally:
            desk.close()
        return _answer(200, answer.get("status", "refused"), answer["message"])


def _answer(status: int, outcome: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"status": outcome, "message": message}, status=status, headers=headers)


def _text(status: int, why: str) -> web.Response:
    return web.Response(status=status, text=why)


def main(argv: list[str] | None = None) -> None:
    from dataclasses import replace
    parser = argparse.ArgumentParser(prog="hall web", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    parser.add_argument("--port", type=int, help="override web.port")
    parser.add_argument("--broker-url", help="override web.broker_url")
    parser.add_argument("--pin-window", type=int, default=0, help="collector's page: seconds a trade PIN covers (0: ask before every action)")
    args = parser.parse_args(argv)
    config = load(args.config)
    web_config: WebConfig = replace(config.web, **{k: v for k, v in (("port", args.port), ("broker_url", args.broker_url)) if v})
    server = PageServer(replace(config, web=web_config), pin_window_s=args.pin_window)
    print(f"remote bidders' page on {server.url}, the collector's on {server.url}collector (broker {web_config.broker_url})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
