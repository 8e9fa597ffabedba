"""./hall demo: a complete simulated sale and market session on this machine, through a real broker and the real arbiter.

It runs the whole system (cloud and hall box), so it lives with the other whole-system compositions
in bench/, and the hall box's own code (edge/) imports nothing from the cloud.

    ./hall demo                          windows for the room and the auctioneer if this machine has a
                                         screen (the keyboard drives paddles and the auctioneer after
                                         the scripted sale, until the window closes); with no screen it
                                         says so, runs headless and ends when the sale and the
                                         market session are over
    ./hall demo --headless --seconds N --screenshots DIR
                                         no windows; PNGs of every display at the key moments

A private Mosquitto, the arbiter and the hall box (simulated paddles 11-13 through the real HX711
driver code) start; the auctioneer and two online bidders run the demo sale (deploy/demo.toml):
paddles pressed (through the documented sim topic) race online bidders for the same asking price, a
hard, long press jumps by force and earns a discount, a late online bid follows the hammer,
a Dutch clock is accepted, and a lot fails its reserve and is passed.
The commentary is what the auctioneer's screen would show; the post-sale report follows.

The house exists before the sale: every lot sells an item from the catalog that a demo consignor
deposited in custody, and the online bidders have funds with the house (their hammers are held from
them at once). After the sale the house desk settles every order (paid from the funds held, or by a
bank payment for a paddle with no account; then released). A short market session follows on the same
broker and arbiter (bench/demo_market.py: a listing, crossing orders with a partial fill, an
oversubscribed new issue allocated, a quantity clock bought in two stops; skipped if --seconds stopped
the sale), and the demo ends with the trial balance and the buyers' and the consignor's statements,
read from the journal, the market's movements among them.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.clients import Peer
from bench.demo_images import ensure_demo_images
from bench.demo_market import PANDA, PANDAS_HELD, MarketSession
from bench.settlement import DeskPeer
from cloud.broker import Broker
from cloud.config import Config, load
from cloud.core.commands import LoadSale
from cloud.custody.commands import DefineKind, DepositItem
from cloud.desk import render as desk_render
from cloud.domains import house_codec, new_house, read_house
from cloud.identity.commands import ManageAccount
from cloud.kernel.engine import Engine, run_sync
from cloud.kernel.store import Journal
from cloud.ledger.commands import RecordDeposit
from cloud.ledger.views import balances, statement, trial_balance
from cloud.pins import hash_pin
from cloud.report import render
from shared.orders import OrderCommand
from cloud.web import PageServer
from edge.__main__ import build, start_camera
from edge.config import load as load_hall
from edge.display import Display, screen_found
from shared import backoffice as bo, messages, topics
from shared.messages import encode
from shared.money import format_amount
from shared.mqtt import connect_and_wait, make_client

ROOT = Path(__file__).resolve().parent.parent
DEMO_PINS = {"alice": "1234", "bob": "2468"}   # the trade PINs whose hashes deploy/demo.toml holds
CONSIGNOR, CONSIGNOR_PIN, CONSIGNOR_HANDLE = "hkcoins", "1357", "HK Coins Ltd"   # every lot is one of its items in custody
DEMO_FUNDS = {"alice": 50_000_00, "bob": 30_000_00}
DEMO_KINDS = {                                 # lot -> the catalog's kind of the item it sells
    "1": bo.KindSpec(kind="hk-1941-1-dollar-proof", category="withdrawn_circulating", name="Hong Kong 1941 $1 proof",
                     grade=bo.Grade("sheldon", "PR-64"), issue_year=1941, issuer="Hong Kong", denomination="1 dollar",
                     description="King George VI, uncirculated, certified.", references=(bo.CatalogueRef("KM", "26"),)),
    "2": bo.KindSpec(kind="gb-penny-black-1a-vf", category="stamps", name="Penny Black, plate 1a", grade=bo.Grade("stamp", "VF"),
                     issue_year=1840, issue_quantity=68_808_000, issuer="United Kingdom", denomination="1d",
                     description="Four margins, red Maltese cross.", references=(bo.CatalogueRef("SG", "2"),)),
    "3": bo.KindSpec(kind="cn-1911-dragon-dollar-xf", category="precious_metal_coins", name="Dragon dollar 1911",
                     grade=bo.Grade("sheldon", "XF-45"), issue_year=1911, issuer="Qing dynasty", material="silver .900",
                     weight_mg=26_800, references=(bo.CatalogueRef("KM", "Y-31"),)),
    "4": bo.KindSpec(kind="cn-qing-cash-hoard", category="withdrawn_circulating", name="Qing dynasty cash coin hoard",
                     grade=bo.Grade("sheldon", "F-12"), issue_year=1800, issuer="Qing dynasty", material="bronze"),
}
ONLINE_LATENCY_S = 0.06   # a remote bidder's internet in the races (the hall box needs ~30 ms to sense a press)


class Participant:
    """One MQTT client of the demo: the hall, or an online bidder. Waits on answers, never sleeps blind."""

    def __init__(self, broker: Broker, name: str, *filters: str):
        self.name = name
        self.answers: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self.client = make_client(f"demo-{name}")
        self.client.on_message = lambda c, u, m: self.answers.put(json.loads(m.payload) | {"_topic": m.topic})
        connect_and_wait(self.client, broker.host, broker.port)
        for f in filters:
            self.client.subscribe(f, 1)

    def send(self, topic: str, message: messages.Message) -> None:
        self.client.publish(topic, encode(message), qos=1).wait_for_publish(5)

    def drain(self) -> None:
        while not self.answers.empty():
            self.answers.get_nowait()

    def wait(self, timeout: float = 10, **match: Any) -> dict[str, Any]:
        while True:
            body = self.answers.get(timeout=timeout)
            if all(body.get(k) == v for k, v in match.items()):
                return body


class Demo:
    def __init__(self, broker: Broker, pace: float, seed: int, display: Display, screenshots: Path | None, deadline: float):
        config = load()
        self.sale, self.hall_id, self.currency = config.sale.id, config.sale.hall, config.sale.currency
        self.pace, self.random = pace, random.Random(seed)
        self.display, self.screenshots, self.deadline, self.shots = display, screenshots, deadline, 0
        self.lot: dict[str, Any] = {}
        self.lot_changed = threading.Condition()
        self.hall = Participant(broker, "hall", topics.HALL_RESULT.format(hall=self.hall_id), topics.HALL_NOTICE.format(hall=self.hall_id),
                                topics.HALL_BID.format(hall=self.hall_id), topics.HALL_PRESS.format(hall=self.hall_id))
        self.room = make_client("demo-room")
        self.room.on_message = self._on_lot
        connect_and_wait(self.room, broker.host, broker.port)
        self.room.subscribe(topics.LOT_STATE.format(sale=self.sale), 1)
        self.online = {a: Participant(broker, a, topics.BIDDER_RESULT.format(account=a)) for a in ("alice", "bob")}
        self.names = {b.account: b.handle for b in config.bidders} | {str(p.number): f"Paddle {p.number} · {p.name}" for p in config.paddles}
        self.ids = iter(range(1, 10**9))

    def money(self, minor: int | None) -> str:
        return format_amount(minor or 0, self.currency)

    def _on_lot(self, client: Any, userdata: Any, msg: Any) -> None:
        state = json.loads(msg.payload)
        with self.lot_changed:
            self.lot = state
            self.lot_changed.notify_all()

    def wait_lot(self, **match: Any) -> dict[str, Any]:
        with self.lot_changed:
            if not self.lot_changed.wait_for(lambda: all(self.lot.get(k) == v for k, v in match.items()), timeout=10):
                raise TimeoutError(f"lot state never matched {match}: {self.lot}")
            return dict(self.lot)

    def say(self, text: str) -> None:
        if time.monotonic() > self.deadline:
            raise TimeoutError("the --seconds limit was reached")
        print(text, flush=True)
        time.sleep(self.pace)

    def snap(self, moment: str) -> None:
        """PNGs of every display now (with --screenshots), after the screens caught up."""
        if self.screenshots is None:
            return
        time.sleep(0.25)
        self.shots += 1
        self.display.snapshot(self.screenshots, f"{self.shots:02d}-{moment}")

    def command(self, action: str, **fields: Any) -> dict[str, Any]:
        cid = f"demo-c{next(self.ids)}"
        self.hall.send(topics.HALL_COMMAND.format(hall=self.hall_id), messages.Command(command_id=cid, action=action, **fields))
        answer = self.hall.wait(command_id=cid)
        mark = "ok" if answer["status"] == "ok" else f"REFUSED {answer['code']}"
        self.say(f"  auctioneer: {action} -> {mark}: {answer['message']}")
        return answer

    def paddle(self, number: int, grams: int = 1_000, hold_ms: int = 200) -> dict[str, Any]:
        """Press a simulated paddle; the hall box turns it into a bid; report the arbiter's answer."""
        lot = self.lot["lot"]
        self.hall.drain()
        self.hall.send(topics.SIM_PRESS.format(hall=self.hall_id), messages.SimPress(paddle=number, grams=grams, hold_ms=hold_ms))
        try:
            bid = self.hall.wait(type="bid", paddle=number, lot=lot, timeout=1.5)
        except queue.Empty:
            self.say(f"    {self.names[str(number)]:<26} presses: the lot had closed, so the press was not a bid")
            return {}
        who = f"{self.names[str(number)]} ({grams / 1000:.1f} kg)"
        answer = self.report(who, bid["amount"], self.hall.wait(type="bid_result", bid_id=bid["bid_id"]))
        time.sleep(hold_ms / 1000 + 0.05)               # the hand lifts before this paddle presses again
        return answer

    def web(self, account: str, amount: int, lot: str, latency_s: float = 0.0) -> dict[str, Any]:
        time.sleep(latency_s)                            # an online bidder's internet, in a race
        bid_id = f"demo-o{next(self.ids)}"
        bidder = self.online[account]
        bidder.send(topics.BIDDER_BID.format(account=account), messages.Bid(bid_id=bid_id, lot=lot, amount=amount, currency=self.currency))
        return self.report(f"{self.names[account]} (online)", amount, bidder.wait(bid_id=bid_id))

    def give_pin(self, account: str, pin: str) -> None:
        """An online bidder types the trade PIN (the arbiter keeps only its scrypt hash)."""
        bidder = self.online[account]
        bidder.send(topics.BIDDER_PIN.format(account=account), messages.Pin(pin=pin))
        self.say(f"  {self.names[account]} gives a trade PIN -> {bidder.wait(type='session')['message']}")

    def report(self, who: str, amount: int, answer: dict[str, Any]) -> dict[str, Any]:
        self.say(f"    {who:<26} bids {self.money(amount):>12} -> {answer['message']}")
        return answer

    def open(self, lot: str | None = None) -> dict[str, Any]:
        self.command("open_lot", **({"lot": lot} if lot else {}))
        state = self.wait_lot(status="open", **({"lot": lot} if lot else {}))
        self.say(f"\nLOT {state['lot']}: {state['title']}  (estimate {self.money(state.get('estimate_low'))}"
                 f" - {self.money(state.get('estimate_high'))}) asking {self.money(state['asking'])}")
        return state

    def run(self) -> None:
        for account, bidder in self.online.items():
            bidder.send(topics.BIDDER_PRESENCE.format(account=account), messages.Presence(online=True, handle=self.names[account]))
        self.say(f"Sale {self.sale}: {len(self.online)} online bidders connected, paddles 11-13 in the room")
        self.give_pin("bob", "0000")
        for account, pin in DEMO_PINS.items():
            self.give_pin(account, pin)
        self.english_race()
        self.firm_press()
        self.dutch_clock()
        self.reserve_not_met()

    def english_race(self) -> None:
        state = self.open("1")
        asking = state["asking"]
        self.say("  a paddle and an online bidder go for the same asking price at the same moment:")
        racers = [threading.Thread(target=self.paddle, args=(11,)), threading.Thread(target=self.web, args=("alice", asking, "1", ONLINE_LATENCY_S))]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join()
        self.snap("lot1-race")
        bidders = [("paddle", 12), ("web", "bob"), ("paddle", 11), ("web", "alice")]
        for _ in range(12):
            state = self.wait_lot(lot="1")
            if (state.get("current_bid") or 0) >= state["estimate_low"] + 10_000:
                break
            kind, who = self.random.choice([b for b in bidders if f"{b[1]}" not in (state.get("leader") or {}).get("label", "") ])
            if kind == "paddle":
                self.paddle(who, self.random.choice([800, 1_200, 3_000]))  # type: ignore[arg-type]
            else:
                self.web(who, state["asking"], "1")  # type: ignore[arg-type]
        if not self.wait_lot(lot="1")["reserve_met"]:
            self.command("lift_reserve")                 # the room stopped short: the consignor agrees
        self.command("fair_warning")
        self.snap("lot1-fair-warning")
        self.command("hammer")
        sold = self.wait_lot(lot="1", status="sold")
        self.say(f"  SOLD to {sold['leader']['label']} for {self.money(sold['current_bid'])}")
        self.web("bob", sold["current_bid"] + 10_000, "1")
        self.snap("lot1-sold-late-bid")

    def firm_press(self) -> None:
        state = self.open("2")
        self.web("alice", state["asking"], "2")
        self.wait_lot(lot="2", bids=1)
        self.say("  paddle 12 presses hard and long: a jump bid by force (the paddle shows how far), force and hold recorded")
        self.hall.send(topics.SIM_PRESS.format(hall=self.hall_id), messages.SimPress(paddle=11, grams=400, hold_ms=300, button=False))
        self.say("  paddle 11 touches lightly: an intent signal on the auctioneer's screen, not a bid")
        self.paddle(12, grams=7_200, hold_ms=1_600)
        self.snap("lot2-jump-bid")
        press = self.hall.wait(type="press", paddle=12)  # the press detail follows the release
        self.say(f"  the hall box measured that press: {press['peak_grams']:,} g at its peak, held {press['duration_ms']:,} ms")
        self.command("hammer")
        self.say("  (the invoice below shows the press discount earned by that press)")

    def dutch_clock(self) -> None:
        state = self.open("3")
        clock = messages.DutchClock(**state["dutch"])
        self.say(f"  Dutch clock from {self.money(clock.top)} down to {self.money(clock.floor)} "
                 f"every {clock.step_ms // 1000} s")
        target = clock.top - (clock.top - clock.floor) * 3 // 10
        while (price := clock.price_at(int(time.time() * 1000))) > target:
            time.sleep(0.05)
        self.snap("lot3-dutch-clock")
        self.say(f"  the clock shows {self.money(price)}: online and paddle accept together")
        racers = [threading.Thread(target=self.web, args=("bob", price, "3", ONLINE_LATENCY_S)), threading.Thread(target=self.paddle, args=(13,))]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join()
        sold = self.wait_lot(lot="3", status="sold")
        self.say(f"  SOLD on the clock to {sold['leader']['label']} for {self.money(sold['current_bid'])}")
        self.snap("lot3-dutch-sold")

    def reserve_not_met(self) -> None:
        self.open("4")
        self.paddle(13)
        self.web("bob", self.wait_lot(lot="4", bids=1)["asking"], "4")
        self.command("hammer")
        self.command("pass", text="reserve not met")
        self.snap("lot4-passed")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hall demo", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pace", type=float, default=0.15, help="seconds between commentary lines (0 for as fast as possible)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the simulated bidders' choices")
    parser.add_argument("--keep", help="keep the journal, the hall box's store and the broker's files in this folder")
    parser.add_argument("--headless", action="store_true", help="no windows (SDL_VIDEODRIVER=dummy)")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this many seconds (0: when the sale is over, or the window closes)")
    parser.add_argument("--screenshots", help="write PNGs of every display at the key moments into this folder")
    args = parser.parse_args(argv)
    if not args.headless and not screen_found():
        print("no screen found (no X, Wayland or console display): running headless; "
              "--screenshots DIR keeps PNGs of every display", flush=True)
        args.headless = True
    if args.headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    deadline = time.monotonic() + (args.seconds or 3600)
    with tempfile.TemporaryDirectory(prefix="hall-demo-") as tmp:
        work = Path(args.keep or tmp)
        journal, store = work / "arbiter.sqlite3", work / "hall.sqlite3"
        journal.unlink(missing_ok=True)
        store.unlink(missing_ok=True)
        consigned_house(journal, load())
        with Broker(work / "broker") as broker:
            env = os.environ | {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
            arbiter = subprocess.Popen([sys.executable, "-m", "cloud", "--port", str(broker.port), "--journal", str(journal)],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
            config = load_hall()
            config = replace(config, broker=replace(config.broker, port=broker.port), hall=replace(config.hall, store=str(store)))
            ensure_demo_images(config.display.media)
            display = Display(config.display, headless=args.headless).start()
            hall = build(config, simulate=True, display=display, narrate=False).start()
            video = start_camera(config, hall)
            page = remote_page(broker)
            try:
                assert arbiter.stdout is not None
                print(arbiter.stdout.readline().strip())
                print(f"remote bidders' page: {page.url} (log in as alice, any password; trade PIN {DEMO_PINS['alice']})")
                display.ready.wait(10)
                print("hall box ready: paddles 11-13 simulated; screens:", "PNG snapshots only" if display.headless else "windows open")
                time.sleep(1.0)                          # the hall box connects and tares its paddles
                demo = Demo(broker, args.pace, args.seed, display, Path(args.screenshots) if args.screenshots else None, deadline)
                stopped = stopped_by_limit(demo.run)
                if not display.headless:
                    print("The keyboard drives the sale now (keys on the auctioneer's screen); close the window to end.")
                    while not display.closed.is_set() and time.monotonic() < deadline:
                        time.sleep(0.1)
                settle_orders(broker)
                if stopped:
                    print("(the market session is skipped: the sale was stopped)")
                else:
                    stopped_by_limit(MarketSession(broker, demo.say, demo.currency, demo.names | {CONSIGNOR: CONSIGNOR_HANDLE},
                                                   CONSIGNOR, CONSIGNOR_PIN).run)
            finally:
                page.shutdown()
                if video is not None:
                    video.stop()
                hall.stop()
                display.stop()
                arbiter.terminate()
                arbiter.wait(timeout=10)
        print("\n" + render(str(journal)))
        print("\n" + books(journal))
        if args.screenshots:
            print(f"\nscreenshots: {args.screenshots}")


def stopped_by_limit(part: Callable[[], None]) -> bool:
    """Run a part of the demo; True (and said) if the --seconds limit stopped it."""
    try:
        part()
    except TimeoutError as stop:
        print(f"(stopped: {stop})")
        return True
    return False


def consigned_house(journal: Path, config: Config) -> None:
    """The house before the demo sale, as its desk would have recorded it: the consignor's items in
    custody (and its Pandas for the market session), the sale loaded with each lot selling one of them,
    the online bidders' funds in."""
    house = new_house(config)
    store = Journal.create(journal, house_codec(house), config.sale.hall)
    spec = config.sale_spec()
    items = {lot.lot: f"demo-{DEMO_KINDS[lot.lot].kind}" for lot in spec.lots}
    try:
        run_sync(Engine(house, store, lambda batch: None), [
            ManageAccount("demo-consignor", "register", CONSIGNOR, handle=CONSIGNOR_HANDLE, pin_hash=hash_pin(CONSIGNOR_PIN)),
            ManageAccount("demo-consignor-ok", "approve", CONSIGNOR),
            *(DefineKind(f"demo-kind-{lot}", kind) for lot, kind in DEMO_KINDS.items()),
            *(DepositItem(f"demo-item-{lot}", item, CONSIGNOR, DEMO_KINDS[lot].kind) for lot, item in items.items()),
            DefineKind("demo-kind-market", PANDA), DepositItem("demo-item-market", "demo-pandas", CONSIGNOR, PANDA.kind, PANDAS_HELD),
            LoadSale(replace(spec, lots=tuple(replace(lot, item=items[lot.lot]) for lot in spec.lots)), "demo-sale"),
            *(RecordDeposit(f"demo-funds-{a}", a, amount, spec.currency, f"DEMO-WIRE-{a}") for a, amount in DEMO_FUNDS.items()),
        ])
    finally:
        store.close()
    funded = {a for a in DEMO_FUNDS if house["ledger"].account(f"user:{a}:cash:{spec.currency}").balance}
    if spec.sale not in house["auction"].sales or funded != set(DEMO_FUNDS):
        raise RuntimeError("the demo house could not be set up: run the commands of bench/demo.py consigned_house by hand")


def settle_orders(broker: Broker) -> None:
    """The house desk after the sale: every open order paid (from the funds held for it, or a bank
    payment for a paddle with no account) and released as collected; each answer as the desk prints it."""
    listed = Peer(broker, topics.OPEN_ORDERS.format())
    try:
        open_orders = listed.next(timeout=5, type="open_orders")["orders"]
    except queue.Empty:
        open_orders = []
    listed.close()
    desk = DeskPeer(broker)
    print("\nThe house desk settles the sale:")
    for order in open_orders:
        oid = order["order_id"]
        bank = None if order.get("account") else f"DEMO-BANK-{order['lot']}"
        for step in (OrderCommand(command_id=f"pay-{oid}", action="pay", order_id=oid, reference=bank),
                     OrderCommand(command_id=f"release-{oid}", action="release", order_id=oid, reason="collected after the sale")):
            desk.send(topics.HOUSE_ORDERS, step)
            print("  " + desk_render(desk.next(timeout=10, command_id=step.command_id))[0])
    desk.close()


def books(journal: Path) -> str:
    """The trial balance, and the statements of the online buyers (the accounts with funds) and of the
    consignor, from the journal."""
    house = read_house(journal)
    store = Journal.resume(journal, house_codec(house))
    seq = store.last()[0]
    store.close()
    ledger = house["ledger"]
    lines, totals = trial_balance(ledger)
    parts = [bo.TrialBalance(lines, totals, all(t.balanced for t in totals), seq, None),
             *(bo.Statement(user, statement(ledger, user), balances(ledger, user), seq) for user in (*DEMO_FUNDS, CONSIGNOR))]
    return "\n\n".join(desk_render(json.loads(messages.encode(part)))[0] for part in parts)


def remote_page(broker: Broker) -> PageServer:
    """The remote bidders' page, on the demo broker's WebSockets listener (anonymous: no TLS here)."""
    config = load()
    web = replace(config.web, port=config.web.port if port_free(config.web.port) else 0, broker_url=f"ws://127.0.0.1:{broker.ws_port}")
    return PageServer(replace(config, web=web)).start()


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


if __name__ == "__main__":
    main()
