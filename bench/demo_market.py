"""The demo's market session (issue 13), once the sale is settled: the same broker and the same arbiter,
every step sent over MQTT as users and the house desk send it, and every answer awaited, never assumed.

  a listing     bob follows the Panda's kind; the consignor lists 12 Pandas as a sell order on the
                book, and bob is told of the new listing
  crossing      alice buys 5 (a partial fill of the listing); bob buys 10, fills the 7 left and his
                other 3 rest as a bid; each fill's notices (price, fee, new balances) and the book after
  a new issue   the house desk catalogs a new coin and opens its issue for a few seconds; alice and bob
                apply for more than is offered; at the close the allocation (pro rata) is published and
                what was not allocated is released
  a clock       the consignor sells 30 Pandas on a falling clock; alice stops it, it falls on for the
                rest from her price, bob stops it lower, and the rest is withdrawn at the floor and
                returned to the consignor
"""
from __future__ import annotations

import json
import queue
import time
from collections.abc import Callable
from itertools import count
from typing import Any

from bench.clients import Peer
from bench.settlement import DeskPeer
from cloud.broker import Broker
from shared import backoffice as bo, market as mk, messages, topics
from shared.money import format_amount

PANDA = bo.KindSpec(kind="cn-panda-2024-30g-ms70", category="precious_metal_coins", name="China Panda 2024 30 g silver",
                    grade=bo.Grade("sheldon", "MS-70"), issue_year=2024, issuer="China", material="silver .999", weight_mg=30_000)
HORSE = bo.KindSpec(kind="hk-2026-horse-1oz-pr70", category="precious_metal_coins", name="Hong Kong 2026 Year of the Horse 1 oz silver",
                    grade=bo.Grade("sheldon", "PR-70"), issue_year=2026, issuer="Hong Kong", material="silver .999", weight_mg=31_103)
PANDAS_HELD = 50                   # the consignor's Pandas in custody before the demo (bench/demo.py consigned_house)
Body = dict[str, Any]


class Inbox:
    """An MQTT client whose messages wait, in arrival order, until one is asked for (a fill's notice may
    arrive before the answer that caused it)."""

    def __init__(self, broker: Broker, *filters: str):
        self.peer, self.backlog = Peer(broker, *filters), []

    def expect(self, wanted: Callable[[Body], bool], what: str, timeout: float = 10) -> Body:
        for index, body in enumerate(self.backlog):
            if wanted(body):
                return self.backlog.pop(index)
        deadline = time.monotonic() + timeout
        while True:
            try:
                body = json.loads(self.peer.received.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise RuntimeError(f"the market session got no {what} within {timeout:.0f} s") from None
            if wanted(body):
                return body
            self.backlog.append(body)

    def close(self) -> None:
        self.peer.close()


class Trader(Inbox):
    """A user of the exchange: publishes on their own topics, hears their answers and notices."""

    def __init__(self, broker: Broker, account: str):
        super().__init__(broker, topics.BIDDER_RESULT.format(account=account), topics.USER_NOTICE.format(account=account))
        self.account = account

    def send(self, topic: topics.Topic, message: messages.Message) -> None:
        self.peer.client.publish(topic.format(account=self.account), messages.encode(message), qos=1).wait_for_publish(5)

    def ask(self, topic: topics.Topic, message: messages.Message, ref: str) -> Body:
        self.send(topic, message)
        return self.expect(lambda b: b.get("type") in ("order_result", "error") and b.get("ref") == ref, f"answer to {ref}")

    def notice(self, starting: str) -> str:
        return self.expect(lambda b: b.get("type") == "notice" and b["text"].startswith(starting), f"notice '{starting}…'")["text"]


class MarketSession:
    """The session's script. `say` narrates (the sale's commentary, with its pace and --seconds limit)."""

    def __init__(self, broker: Broker, say: Callable[[str], None], currency: str, names: dict[str, str], seller: str, seller_pin: str):
        self.say, self.currency, self.names, self.seller, self.seller_pin = say, currency, names, seller, seller_pin
        self.desk = DeskPeer(broker)
        self.public = Inbox(broker, topics.MARKET_DEPTH.filter(), topics.MARKET_CLOCK.filter(), topics.MARKET_ISSUE.filter())
        self.users = {account: Trader(broker, account) for account in ("alice", "bob", seller)}
        self.ids = count(1)

    def money(self, minor: int) -> str:
        return format_amount(minor, self.currency)

    def run(self) -> None:
        try:
            self.say("\nMARKET SESSION: the house's exchange, on the same broker and arbiter")
            self.say(f"  {PANDA.kind} is the {PANDA.name}, {PANDA.grade.value}; {self.names[self.seller]} has "
                     f"{PANDAS_HELD} in the house's custody")
            self.listing()
            self.crossing()
            self.new_issue()
            self.clock()
        finally:
            for client in (self.desk, self.public, *self.users.values()):
                client.close()

    def ask(self, account: str, topic: topics.Topic, message: messages.Message, ref: str, doing: str) -> Body:
        """A user's message and the arbiter's answer, narrated; a refusal ends the session (the demo's script is wrong)."""
        answer = self.users[account].ask(topic, message, ref)
        mark = "" if answer.get("status") == "ok" else f"REFUSED {answer['code']}: "
        self.say(f"  {self.names[account]} {doing} -> {mark}{answer['message']}")
        if mark:
            raise RuntimeError(f"the market session stops: {self.names[account]} was refused")
        return answer

    def order(self, account: str, side: str, quantity: int, price: int, doing: str) -> Body:
        order_id = f"demo-{side}-{next(self.ids)}"
        return self.ask(account, topics.BIDDER_ORDER, mk.Order(order_id=order_id, kind=PANDA.kind, side=side, quantity=quantity,
                                                               price=price, currency=self.currency), order_id, doing)

    def told(self, account: str, starting: str) -> None:
        self.say(f"    {self.names[account]} is told: {self.users[account].notice(starting)}")

    def book(self, after: Body) -> Body:
        """The kind's depth as published once the answered command's batch was durable."""
        depth = self.public.expect(lambda b: b.get("type") == "depth" and b["kind"] == PANDA.kind and b["seq"] >= after["seq"], "depth")
        side = lambda levels: ", ".join(f"{lv['quantity']} at {self.money(lv['price'])}" for lv in levels) or "nothing"  # noqa: E731
        self.say(f"    the book now: selling {side(depth['asks'])}; buying {side(depth['bids'])}")
        return depth

    def listing(self) -> None:
        self.ask("bob", topics.BIDDER_SUBSCRIBE, mk.Subscription(subscription_id="demo-news", scope="kind", value=PANDA.kind),
                 "demo-news", f"follows {PANDA.kind} (news of new listings)")
        seller = self.users[self.seller]
        seller.send(topics.BIDDER_PIN, messages.Pin(pin=self.seller_pin))
        pin = seller.expect(lambda b: b.get("type") == "session", "PIN session")
        self.say(f"  {self.names[self.seller]} gives its trade PIN -> {pin['message']}")
        listed = self.order(self.seller, "sell", 12, 480_00, f"lists 12 of its {PANDA.kind} at {self.money(480_00)} each")
        self.told("bob", "New listing")
        self.book(listed)

    def crossing(self) -> None:
        self.say("  buyers cross the listing:")
        bought = self.order("alice", "buy", 5, 480_00, f"buys 5 at {self.money(480_00)}")
        self.told("alice", "Bought")
        self.told(self.seller, "Sold")
        left = self.book(bought)["asks"][0]["quantity"]
        self.say(f"    the listing is partly filled: {left} of 12 left on the book")
        bought = self.order("bob", "buy", 10, 485_00, f"buys 10 at up to {self.money(485_00)}")
        self.told("bob", "Bought")
        self.told(self.seller, "Sold")
        self.book(bought)
        self.say(f"    the other {bought['remaining']} of {self.names['bob']}'s order stay on the book as a bid, their cost held "
                 "until filled or cancelled")

    def new_issue(self) -> None:
        defined = self.desk.ask(topics.HOUSE_CUSTODY, bo.CatalogCommand(command_id="demo-horse-kind", action="define_kind", kind=HORSE))
        self.say(f"  the house desk catalogs a new coin, {HORSE.name}, {HORSE.grade.value} -> {defined['message']}")
        opens = int(time.time() * 1000) + 1_000
        terms = mk.IssueTerms(issue_id="demo-horse-2026", kind=HORSE.kind, issuer=self.seller, quantity=40, price=250_00,
                              currency=self.currency, opens_at_ms=opens, closes_at_ms=opens + 4_000, method="pro_rata")
        self.desk.ask(topics.HOUSE_MARKET, mk.MarketCommand(command_id="demo-horse-issue", action="open_issue", issue=terms))
        self.public.expect(lambda b: b.get("type") == "issue_state" and b["status"] == "announced", "announced issue")
        self.say(f"  the house desk opens new issue {terms.issue_id} -> ok: {terms.quantity} {HORSE.kind} at {self.money(terms.price)} "
                 f"each, paid to {self.names[self.seller]}; applications open in 1 s for 4 s, allocated pro rata")
        time.sleep(max(0.0, opens / 1000 - time.time()))            # the window opens at its calendar time
        applied = {"alice": 30, "bob": 25}
        for account, quantity in applied.items():
            ref = f"demo-apply-{account}"
            self.ask(account, topics.BIDDER_APPLY, mk.IssueApplication(application_id=ref, issue_id=terms.issue_id, quantity=quantity),
                     ref, f"applies for {quantity}")
        self.say(f"  {sum(applied.values())} applied for {terms.quantity}: oversubscribed; the window closes")
        allocated = self.public.expect(lambda b: b.get("type") == "issue_state" and b["status"] == "allocated", "allocation",
                                       timeout=terms.closes_at_ms / 1000 - time.time() + 10)
        shares = "; ".join(f"application {a['number']}: {a['allocated']} of {a['applied']}" for a in allocated["allocations"])
        self.say(f"  allocation published (pro rata, rounded down, units left over to the largest remainders): {shares}")
        for account in applied:
            self.told(account, f"Issue {terms.issue_id}")

    def clock(self) -> None:
        starts = int(time.time() * 1000) + 1_500
        listing = mk.ClockListing(clock_id="demo-panda-clock", kind=PANDA.kind, quantity=30, minimum=5, top=560_00, floor=400_00,
                                  currency=self.currency, starts_at_ms=starts, ends_at_ms=starts + 10_000, schedule="linear")
        self.ask(self.seller, topics.BIDDER_CLOCK, listing, listing.clock_id,
                 f"puts 30 {PANDA.kind} on a clock falling from {self.money(listing.top)} to {self.money(listing.floor)} "
                 "in 10 s, at least 5 a purchase")
        self.told("bob", "New listing")
        state = self.public.expect(lambda b: b.get("type") == "clock_state" and b["status"] == "running", "running clock")
        self.say("  the clock starts by itself at its start time")
        state = self.stop("alice", 10, 520_00, state)
        self.say(f"    the clock falls on for the {state['remaining']} left from {self.money(state['segment_top'])}")
        self.stop("bob", 8, 470_00, state)
        ended = self.public.expect(lambda b: b.get("type") == "clock_state" and b["status"] == "withdrawn", "withdrawn clock",
                                   timeout=listing.ends_at_ms / 1000 - time.time() + 10)
        stops = ", ".join(f"{s['quantity']} at {self.money(s['price'])}" for s in ended["stops"])
        self.say(f"  the clock reaches its floor: bought in {len(ended['stops'])} stops ({stops}); the {ended['remaining']} left "
                 f"are withdrawn and returned to {self.names[self.seller]}")
        for _ in ended["stops"]:
            self.told(self.seller, f"Clock {listing.clock_id}: ")
        self.told(self.seller, f"Clock {listing.clock_id} reached its floor")

    def stop(self, account: str, quantity: int, below: int, state: Body) -> Body:
        """`account` watches the clock fall to `below`, then accepts `quantity` at the price it shows; the clock's state after."""
        while (price := mk.clock_price_now(state, int(time.time() * 1000))) > below:
            time.sleep(0.05)                                        # the clock falls on its calendar
        accept_id = f"demo-stop-{account}"
        self.ask(account, topics.BIDDER_CLOCK, mk.ClockAccept(accept_id=accept_id, clock_id=state["clock_id"], quantity=quantity,
                                                              price=price), accept_id,
                 f"stops the clock at {self.money(price)} for {quantity}")
        left = state["remaining"] - quantity
        return self.public.expect(lambda b: b.get("type") == "clock_state" and b["remaining"] == left, "clock after the stop")

