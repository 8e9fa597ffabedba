"""./hall web: serves the remote bidders' page; the page itself talks MQTT over WebSockets.

The server is deliberately dumb: static files, mqtt.js from web/node_modules (installed from the
npm registry by ./hall), lot images and avatars from the media folder, and /config.json, which
hands the page what it must not hard-code: the broker's WebSockets URL, the sale, and every topic
it uses, formatted from shared/topics.py. Bids, PINs and results never pass through here. The one
thing it does: POST /register (when [web] registration is on) hands a registration to the house's
desk (cloud/house.py), which the arbiter decides; the house approves it later.

    ./hall web [--config FILE] [--port N]       then open http://HOST:PORT/ on a phone or a desktop
"""
from __future__ import annotations

import argparse
import base64
import binascii
import json
import mimetypes
import shlex
import ssl
import subprocess
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cloud.config import Config, WebConfig, load
from cloud.house import DeskError, HouseDesk, Registration, register
from shared import topics
from shared.money import MINOR_DIGITS

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "web"
FILES = {"/": "index.html", "/index.html": "index.html", "/app.js": "app.js", "/rules.js": "rules.js", "/style.css": "style.css"}
MQTT_JS = PAGE / "node_modules" / "mqtt" / "dist" / "mqtt.min.js"
MAX_FORM = 400 * 1024              # a registration with its avatar (base64)
POLICY = ("default-src 'self'; img-src 'self' blob: data:; connect-src 'self' ws: wss:; style-src 'self'; "
          "script-src 'self'; frame-ancestors 'none'")


def page_config(config: Config) -> dict[str, Any]:
    """What the page needs to know, every topic from the one topic table."""
    sale, hall = config.sale.id, config.sale.hall
    mine = {"bid": topics.BIDDER_BID, "max": topics.BIDDER_MAX, "pin": topics.BIDDER_PIN, "presence": topics.BIDDER_PRESENCE,
            "result": topics.BIDDER_RESULT, "avatar": topics.HOUSE_AVATAR}
    return {
        "broker_url": config.web.broker_url, "sale": sale, "hall": hall, "currency": config.sale.currency,
        "minor_digits": MINOR_DIGITS[config.sale.currency], "registration": config.web.registration,
        "topics": {"lot": topics.LOT_STATE.format(sale=sale), "catalog": topics.SALE_CATALOG.format(sale=sale),
                   "message": topics.SALE_MESSAGE.format(sale=sale), "video": topics.HALL_VIDEO.format(hall=hall),
                   **{name: topic.format(account="ACCOUNT").replace("ACCOUNT", "{account}") for name, topic in mine.items()}},
    }


class PageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, config: Config, reload_broker: Callable[[], None] | None = None):
        web = config.web
        super().__init__((web.host, web.port), Handler)
        self.config = config
        if reload_broker is None and web.reload_command:
            reload_broker = lambda: subprocess.run(shlex.split(web.reload_command), check=True)  # noqa: E731
        self.reload_broker = reload_broker
        self.settings = json.dumps(page_config(config)).encode()
        self.media = Path(web.media).resolve()
        if web.certfile:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(web.certfile, web.keyfile)
            self.socket = context.wrap_socket(self.socket, server_side=True)

    @property
    def url(self) -> str:
        scheme = "https" if isinstance(self.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://{self.server_address[0]}:{self.server_address[1]}/"

    def start(self) -> "PageServer":
        threading.Thread(target=self.serve_forever, name="web", daemon=True).start()
        return self


class Handler(BaseHTTPRequestHandler):
    server: PageServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        if path == "/config.json":
            return self._send(self.server.settings, "application/json")
        if path in FILES:
            return self._file(PAGE / FILES[path])
        if path == "/vendor/mqtt.min.js":
            if not MQTT_JS.is_file():
                return self._fail(HTTPStatus.SERVICE_UNAVAILABLE, "mqtt.js is not installed: run ./hall once (npm ci in web/)")
            return self._file(MQTT_JS)
        if path.startswith("/media/"):
            wanted = (self.server.media / path.removeprefix("/media/")).resolve()
            if self.server.media in wanted.parents and wanted.is_file():
                return self._file(wanted)
        self._fail(HTTPStatus.NOT_FOUND, f"nothing at {path}")

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        if self.path != "/register":
            return self._fail(HTTPStatus.NOT_FOUND, f"nothing to post at {self.path}")
        web = self.server.config.web
        if not web.registration:
            return self._answer(HTTPStatus.FORBIDDEN, "refused", "registration is by the house only here")
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_FORM:
            return self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "refused", f"a registration is at most {MAX_FORM // 1024} KiB")
        try:
            form = json.loads(self.rfile.read(length))
            avatar = base64.b64decode(form["avatar"], validate=True) if form.get("avatar") else None
            registration = Registration(str(form["account"]), str(form["handle"]), str(form["pin"]), str(form.get("password", "")), avatar)
        except (ValueError, KeyError, TypeError, binascii.Error) as bad:
            return self._answer(HTTPStatus.BAD_REQUEST, "refused", f"the form could not be read: {bad}")
        try:
            desk = HouseDesk(self.server.config.broker, web.house_password)
        except ConnectionError as down:
            return self._answer(HTTPStatus.SERVICE_UNAVAILABLE, "refused", f"the house's desk is unreachable: {down}")
        try:
            answer = register(desk, registration, web.password_file, self.server.reload_broker)
        except DeskError as refused:
            return self._answer(HTTPStatus.BAD_REQUEST, "refused", str(refused))
        except TimeoutError as silent:
            return self._answer(HTTPStatus.SERVICE_UNAVAILABLE, "refused", str(silent))
        finally:
            desk.close()
        self._answer(HTTPStatus.OK, answer.get("status", "refused"), answer["message"])

    def _answer(self, status: HTTPStatus, outcome: str, message: str) -> None:
        self._send(json.dumps({"status": outcome, "message": message}).encode(), "application/json", status)

    def _file(self, path: Path) -> None:
        self._send(path.read_bytes(), mimetypes.guess_type(path.name)[0] or "application/octet-stream")

    def _send(self, body: bytes, kind: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind + ("; charset=utf-8" if kind.startswith(("text/", "application/j")) else ""))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", POLICY)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(body)

    def _fail(self, status: HTTPStatus, why: str) -> None:
        self._send(why.encode(), "text/plain", status)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        pass                                                   # the page's requests are not sale events


def main(argv: list[str] | None = None) -> None:
    from dataclasses import replace
    parser = argparse.ArgumentParser(prog="hall web", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="TOML file (default: deploy/demo.toml)")
    parser.add_argument("--port", type=int, help="override web.port")
    parser.add_argument("--broker-url", help="override web.broker_url")
    args = parser.parse_args(argv)
    config = load(args.config)
    web: WebConfig = replace(config.web, **{k: v for k, v in (("port", args.port), ("broker_url", args.broker_url)) if v})
    server = PageServer(replace(config, web=web))
    print(f"remote bidders' page on {server.url} (broker {web.broker_url})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
