"""The exchange over a real Mosquitto and the real arbiter: two users trading with their trade PINs, a
cancel racing a fill (exactly one wins, balances right), an oversubscribed new issue allocated and
refunded, and a clock bought by two users in two stops with the rest withdrawn at the floor."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from cloud.domains import read_house
from cloud.house import HouseDesk, command
from cloud.pins import hash_pin
from shared import backoffice as bo, market as mk, messages, topics
from shared.config import BrokerConfig
from shared.dutch import clock_price
from tests.conftest import ROOT, Listener, give_pins

pytestmark = [pytest.mark.broker, pytest.mark.nats]

KIND = "hk-dragon-1988-ms65"
PRICE = 100_000                   # 1,000 HKD


def desk_send(house: HouseDesk, message: messages.Message, topic: topics.Topic) -> dict[str, Any]:
    answer = house.send(message, topic=topic)
    assert answer.get("status") == "ok", answer
    return answer


@pytest.fixture
def house(broker, arbiter):
    """The demo house with a kind defined, carol (a seller with her PIN) and an issuer registered, money and units in."""
    desk = HouseDesk(BrokerConfig(host=broker.host, port=broker.port))
    for account, pin in (("carol", "1357"), ("mint", "9753")):
        desk_send(desk, command("register", account, handle=account.title(), pin_hash=hash_pin(pin)), topics.HOUSE_ACCOUNT)
        desk_send(desk, command("approve", account), topics.HOUSE_ACCOUNT)
    give_pins(broker, {"carol": "1357"})
    spec = bo.KindSpec(kind=KIND, category="precious_metal_coins", name="Hong Kong 1988 Dragon $1,000 gold",
                       grade=bo.Grade("sheldon", "MS-65"), issue_year=1988, issuer="Hong Kong")
    desk_send(desk, bo.CatalogCommand(command_id="k1", action="define_kind", kind=spec), topics.HOUSE_CUSTODY)
    for n, account in enumerate(("alice", "bob", "carol")):
        desk_send(desk, bo.LedgerCommand(command_id=f"d{n}", action="deposit", account=account, amount=10_000_000,
                                         currency="HKD", reference=f"WIRE-{n}"), topics.HOUSE_LEDGER)
        desk_send(desk, bo.CustodyCommand(command_id=f"c{n}", action="deposit", item=f"bundle-{account}", account=account,
                                          kind=KIND, quantity=50), topics.HOUSE_CUSTODY)
    yield desk
    desk.close()


def balances(desk: HouseDesk, account: str) -> dict[str, tuple[int, int]]:
    """(balance, available) per ledger, asked of the arbiter."""
    answer = desk.send(bo.LedgerQuery(command_id=f"q-{time.monotonic_ns()}", report="balances", account=account),
                       topic=topics.HOUSE_LEDGER)
    return {b["ledger"]: (b["balance"], b["available"]) for b in answer["balances"]}


class Trader:
    """One user's connection: publishes on their topics, hears their answers and notices."""

    def __init__(self, broker, account: str):
        self.account = account
        self.inbox = Listener(broker, topics.BIDDER_RESULT.format(account=account), topics.USER_NOTICE.format(account=account),
                              f"{topics.ROOT}/arbiter/user/{account}/orders/+")

    def send(self, topic: topics.Topic, message: messages.Message) -> None:
        self.inbox.publish(topic.format(account=self.account), messages.encode(message))

    def answer(self, ref: str) -> dict[str, Any]:
        return self.inbox.expect(type="order_result", ref=ref)

    def order(self, order_id: str, side: str, quantity: int, price: int, **fields: Any) -> dict[str, Any]:
        self.send(topics.BIDDER_ORDER, mk.Order(order_id=order_id, kind=KIND, side=side, quantity=quantity, price=price,
                                                currency="HKD", **fields))
        return self.answer(order_id)

    def notice(self, starting: str) -> str:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            text = self.inbox.expect(type="notice")["text"]
            if text.startswith(starting):
                return text
        raise AssertionError(f"no notice starting {starting!r}")

    def close(self) -> None:
        self.inbox.close()


@pytest.fixture
def traders(broker, house):
    made = {account: Trader(broker, account) for account in ("alice", "bob", "carol")}
    yield made
    for trader in made.values():
        trader.close()


def test_two_users_trade_through_the_broker_with_their_pins(broker, arbiter, house, traders, listen):
    alice, bob = traders["alice"], traders["bob"]
    market = listen(topics.MARKET_DEPTH.filter(), topics.MARKET_TAPE.filter())
    resting = bob.order("s1", "sell", 10, PRICE)
    assert resting["status"] == "ok" and resting["remaining"] == 10
    assert market.expect(type="depth", kind=KIND)["asks"] == [{"price": PRICE, "quantity": 10, "orders": 1}]
    bought = alice.order("b1", "buy", 4, PRICE + 1_000)
    notional = 4 * PRICE
    assert (bought["filled"], bought["remaining"], bought["cost"], bought["fees"]) == (4, 0, notional + notional * 20 // 10_000, notional * 20 // 10_000)
    assert "all-in" in bought["message"]
    assert alice.notice("Bought").startswith(f"Bought 4 {KIND} at 1,000 HKD, fee 8 HKD. You now have")
    assert bob.notice("Sold").startswith(f"Sold 4 {KIND} at 1,000 HKD, fee 4 HKD.")
    tape = market.expect(type="trade", kind=KIND)
    assert (tape["quantity"], tape["price"], tape["aggressor"]) == (4, PRICE, "buy")
    assert market.expect(type="depth", kind=KIND)["asks"] == [{"price": PRICE, "quantity": 6, "orders": 1}]
    assert bob.inbox.expect(type="open_order", order_id="s1", remaining=6)["_topic"].endswith("/user/bob/orders/s1")
    assert balances(house, "alice")["units:" + KIND] == (54, 54)
    assert balances(house, "bob")["units:" + KIND] == (46, 40)

    dave = Listener(broker, topics.BIDDER_RESULT.format(account="mint"))      # approved, but gave no PIN this session
    dave.publish(topics.BIDDER_ORDER.format(account="mint"), messages.encode(mk.Order(
        order_id="m1", kind=KIND, side="buy", quantity=1, price=PRICE, currency="HKD")))
    refused = dave.expect(type="order_result", ref="m1")
    assert refused["code"] == "PIN_REQUIRED" and "trade PIN" in refused["message"]
    dave.close()
    bad = alice.order("b2", "buy", 1, 10 * PRICE)
    assert bad["code"] == "OUTSIDE_BAND" and "900 HKD to 1,100 HKD" in bad["message"]
    arbiter.stop()                                            # a clean stop writes a snapshot; the journal rebuilds the book
    rebuilt = read_house(arbiter.journal)["market"]
    assert rebuilt.orders["bob/s1"].remaining == 6 and rebuilt.last_price[KIND] == PRICE


def test_a_cancel_racing_a_fill_exactly_one_wins_and_the_balances_say_which(broker, house, traders):
    alice, bob = traders["alice"], traders["bob"]
    assert bob.order("s1", "sell", 5, PRICE)["status"] == "ok"
    before_alice, before_bob = balances(house, "alice"), balances(house, "bob")
    go = threading.Barrier(2)

    def cancel() -> None:
        go.wait()
        bob.send(topics.BIDDER_CANCEL, mk.CancelOrder(order_id="s1"))

    racer = threading.Thread(target=cancel)
    racer.start()
    go.wait()
    alice.send(topics.BIDDER_ORDER, mk.Order(order_id="b1", kind=KIND, side="buy", quantity=5, price=PRICE, currency="HKD"))
    racer.join()
    bought, cancelled = alice.answer("b1"), bob.answer("s1")
    filled = bought["filled"] == 5
    assert filled != (cancelled["status"] == "ok"), (bought, cancelled)          # exactly one wins
    units = "units:" + KIND
    after_alice, after_bob = balances(house, "alice"), balances(house, "bob")
    if filled:
        assert cancelled["code"] == "ORDER_CLOSED"
        assert after_alice[units][0] == before_alice[units][0] + 5 and after_bob[units] == (45, 45)
        assert after_alice["HKD"][0] == before_alice["HKD"][0] - bought["cost"]
    else:
        assert bought["remaining"] == 5 and after_bob[units] == (50, 50)         # the cancel won: the buy rests
        assert after_alice["HKD"][1] < before_alice["HKD"][1] and after_alice[units] == before_alice[units]


def test_an_oversubscribed_new_issue_is_allocated_and_refunded(broker, house, traders, listen):
    house.send(bo.CatalogCommand(command_id="k2", action="define_kind", kind=bo.KindSpec(
        kind="hk-dragon-2024-ms70", category="precious_metal_coins", name="Hong Kong 2024 Dragon", grade=bo.Grade("sheldon", "MS-70"),
        issue_year=2024)), topic=topics.HOUSE_CUSTODY)
    issues = listen(topics.MARKET_ISSUE.filter())
    opens = int(time.time() * 1000) + 300
    terms = mk.IssueTerms(issue_id="i1", kind="hk-dragon-2024-ms70", issuer="mint", quantity=100, price=50_000, currency="HKD",
                          opens_at_ms=opens, closes_at_ms=opens + 2_000, method="lottery", seed="published-7f3a")
    desk_send(house, mk.MarketCommand(command_id="n1", action="open_issue", issue=terms), topics.HOUSE_MARKET)
    announced = issues.expect(type="issue_state", status="announced")
    assert announced["terms"]["seed"] == "published-7f3a"                        # before the window opens
    time.sleep(max(0.0, opens / 1000 - time.time()) + 0.05)
    for account, quantity in (("alice", 70), ("bob", 60)):
        traders[account].send(topics.BIDDER_APPLY, mk.IssueApplication(application_id="a1", issue_id="i1", quantity=quantity))
        assert traders[account].answer("a1")["status"] == "ok"
    assert balances(house, "alice")["HKD"][1] == 10_000_000 - 70 * 50_000
    allocated = issues.expect(timeout=10, type="issue_state", status="allocated")
    got = [a["allocated"] for a in allocated["allocations"]]
    assert sum(got) == 100 and all(a <= q for a, q in zip(got, (70, 60)))
    alice_got = got[0]
    assert balances(house, "alice")["HKD"] == (10_000_000 - alice_got * 50_000,) * 2           # the rest released
    assert balances(house, "alice")["units:hk-dragon-2024-ms70"] == (alice_got, alice_got)
    assert balances(house, "mint")["HKD"] == (100 * 50_000,) * 2
    assert traders["bob"].notice("Issue i1").startswith(f"Issue i1: you were allocated {got[1]} of 60")


def test_a_clock_bought_by_two_users_in_two_stops_and_the_rest_withdrawn_at_the_floor(broker, house, traders, listen):
    clocks = listen(topics.MARKET_CLOCK.filter())
    starts = int(time.time() * 1000) + 300
    traders["carol"].send(topics.BIDDER_CLOCK, mk.ClockListing(
        clock_id="k1", kind=KIND, quantity=30, minimum=5, top=2 * PRICE, floor=PRICE, currency="HKD", starts_at_ms=starts,
        ends_at_ms=starts + 4_000, schedule="linear"))
    assert traders["carol"].answer("k1")["status"] == "ok"
    assert clocks.expect(type="clock_state", status="scheduled")["restart"] == "resume"
    running = clocks.expect(type="clock_state", status="running")

    def stop(account: str, quantity: int, state: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time() * 1000)
        price = clock_price(state["segment_top"], state["floor"], state["ends_at_ms"] - state["segment_start_ms"],
                            state["schedule"], state["step_ms"], now - state["segment_start_ms"])
        accept_id = f"{account}-{time.monotonic_ns()}"
        traders[account].send(topics.BIDDER_CLOCK, mk.ClockAccept(accept_id=accept_id, clock_id="k1", quantity=quantity, price=price))
        return traders[account].answer(accept_id)

    time.sleep(0.5)
    first = stop("alice", 10, running)
    assert first["status"] == "ok" and first["filled"] == 10, first
    after_first = clocks.expect(type="clock_state", remaining=20)
    assert after_first["segment_top"] < 2 * PRICE                                # it resumes from the stop's price
    time.sleep(0.5)
    second = stop("bob", 5, after_first)
    assert second["status"] == "ok" and second["cost"] < first["cost"] // 2 + 1, second
    withdrawn = clocks.expect(timeout=10, type="clock_state", status="withdrawn")
    assert withdrawn["remaining"] == 15 and [s["quantity"] for s in withdrawn["stops"]] == [10, 5]
    assert balances(house, "carol")["units:" + KIND] == (35, 35)                 # the 15 left are hers again
    assert balances(house, "alice")["units:" + KIND] == (60, 60) and balances(house, "bob")["units:" + KIND] == (55, 55)
    late = stop("bob", 5, after_first)
    assert late["code"] == "CLOCK_LATE" and late["message"].startswith("late")


def trade(broker, account: str, pin: str, *argv: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(ROOT), "HALL_PIN": pin}
    return subprocess.run([sys.executable, "-m", "cloud.trade_cli", *argv, "--account", account, "--port", str(broker.port)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, stdin=subprocess.DEVNULL)


def test_hall_trade_on_the_command_line(broker, house):
    placed = trade(broker, "bob", "2468", "sell", KIND, "10", "1,000")
    assert placed.returncode == 0 and placed.stdout.startswith("ok: order o-") and "10 rest on the book at 1,000 HKD" in placed.stdout
    order_id = placed.stdout.split()[2]
    bought = trade(broker, "alice", "1234", "buy", KIND, "4", "1,000", "--ioc")
    assert bought.returncode == 0 and "bought 4 of 4" in bought.stdout and "4,008 HKD all-in" in bought.stdout, bought.stdout
    book = trade(broker, "alice", "1234", "book", KIND)
    assert book.returncode == 0 and "sell        6 at 1,000 HKD (1 orders)" in book.stdout and "last 1,000 HKD" in book.stdout
    orders = trade(broker, "bob", "2468", "orders")
    assert orders.returncode == 0 and f"{order_id}" in orders.stdout and "6 of 10" in orders.stdout
    amended = trade(broker, "bob", "2468", "amend", order_id, "3")
    assert amended.returncode == 0 and "keeps its place" in amended.stdout
    cancelled = trade(broker, "bob", "2468", "cancel", order_id)
    assert cancelled.returncode == 0 and "3 open units are off the book" in cancelled.stdout
    assert trade(broker, "bob", "2468", "cancel", order_id).stdout == cancelled.stdout     # the same cancel: the same answer
    unknown = trade(broker, "bob", "2468", "cancel", "o-nothing")
    assert unknown.returncode == 1 and "ORDER_UNKNOWN" in unknown.stdout
    wrong_pin = trade(broker, "bob", "0000", "buy", KIND, "1", "1,000")
    assert wrong_pin.returncode == 1 and "PIN refused" in wrong_pin.stderr
    typo = trade(broker, "bob", "2468", "buy", KIND, "1", "1,000.123")
    assert typo.returncode == 1 and "not an amount" in typo.stderr
    silent = subprocess.run([sys.executable, "-m", "cloud.trade_cli", "orders", "--account", "bob", "--port", "1"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60, env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert silent.returncode == 2


def test_hall_trade_accepts_a_clock_at_its_price_now_and_applies_for_a_new_issue(broker, house, traders):
    starts = int(time.time() * 1000)
    traders["carol"].send(topics.BIDDER_CLOCK, mk.ClockListing(
        clock_id="k2", kind=KIND, quantity=20, minimum=5, top=2 * PRICE, floor=PRICE, currency="HKD", starts_at_ms=starts,
        ends_at_ms=starts + 60_000))
    assert traders["carol"].answer("k2")["status"] == "ok"
    stopped = trade(broker, "alice", "1234", "accept", "k2", "5")
    assert stopped.returncode == 0 and "you stopped clock k2: 5 hk-dragon-1988-ms65 at" in stopped.stdout, stopped.stdout + stopped.stderr
    too_few = trade(broker, "bob", "2468", "accept", "k2", "2")
    assert too_few.returncode == 1 and "BELOW_MINIMUM" in too_few.stdout
    opens = int(time.time() * 1000) + 200
    desk_send(house, mk.MarketCommand(command_id="n2", action="open_issue", issue=mk.IssueTerms(
        issue_id="i2", kind=KIND, issuer="mint", quantity=10, price=50_000, currency="HKD", opens_at_ms=opens,
        closes_at_ms=opens + 60_000)), topics.HOUSE_MARKET)
    time.sleep(0.3)
    applied = trade(broker, "bob", "2468", "apply", "i2", "4")
    assert applied.returncode == 0 and "2,000 HKD held until the allocation" in applied.stdout, applied.stdout + applied.stderr
