"""The exchange's wire messages through the transport's `inbound`: who sends comes from the topic, desk
commands lacking what their action needs are refused before they are sequenced, ids that name topics
are plain."""
from __future__ import annotations

import json

import pytest

from cloud.market import commands as cmd
from cloud.transports.mqtt import inbound
from shared import market as mk, messages, topics


def sent(topic: str, message: messages.Message):
    return inbound(topic, messages.encode(message))


def test_a_users_messages_become_commands_in_their_name():
    order = mk.Order(order_id="o1", kind="k", side="buy", quantity=2, price=100, currency="HKD", tif="ioc")
    assert sent(topics.BIDDER_ORDER.format(account="alice"), order) == (
        cmd.PlaceOrder("alice", "o1", "k", "buy", 2, 100, "HKD", "ioc", None), None)
    accept = mk.ClockAccept(accept_id="a1", clock_id="c1", quantity=5, price=90)
    assert sent(topics.BIDDER_CLOCK.format(account="bob"), accept)[0] == cmd.AcceptClock("bob", "a1", "c1", 5, 90)
    amend = mk.AmendOrder(amend_id="o2", order_id="o1", quantity=1)
    assert sent(topics.BIDDER_AMEND.format(account="bob"), amend)[0] == cmd.AmendOrder("bob", "o2", "o1", 1, None)


@pytest.mark.parametrize("message, expected", [
    (mk.MarketCommand(command_id="c1", action="halt"), cmd.SetHalt("c1", "all", True)),
    (mk.MarketCommand(command_id="c2", action="resume", category="stamps"), cmd.SetHalt("c2", "category:stamps", False)),
    (mk.MarketCommand(command_id="c3", action="set_fees", kind="k", maker_bps=5, taker_bps=15), cmd.SetFees("c3", "kind:k", 5, 15)),
    (mk.MarketCommand(command_id="c4", action="set_hours", category="stamps", opens_minute=540, closes_minute=1020),
     cmd.SetHours("c4", "stamps", 540, 1020)),
    (mk.MarketCommand(command_id="c5", action="open_issue", issue=mk.IssueTerms(
        issue_id="i1", kind="k", issuer="mint", quantity=10, price=500, currency="HKD", opens_at_ms=1, closes_at_ms=2)),
     cmd.OpenIssue("c5", cmd.NewIssue("i1", "k", "mint", 10, 500, "HKD", 1, 2))),
])
def test_the_house_desks_market_commands(message, expected):
    assert sent(topics.HOUSE_MARKET.format(), message) == (expected, None)


@pytest.mark.parametrize("message, code, field", [
    (mk.MarketCommand(command_id="c1", action="set_fees", maker_bps=5, taker_bps=15), "MISSING_FIELD", "kind"),
    (mk.MarketCommand(command_id="c2", action="set_fees", kind="k", category="stamps", maker_bps=5, taker_bps=15), "BAD_VALUE", "kind"),
    (mk.MarketCommand(command_id="c3", action="set_reference", kind="k"), "MISSING_FIELD", "price"),
    (mk.MarketCommand(command_id="c4", action="open_issue"), "MISSING_FIELD", "issue"),
])
def test_a_desk_command_lacking_what_it_needs_is_refused_on_the_house_topic(message, code, field):
    command, reply = sent(topics.HOUSE_MARKET.format(), message)
    body = json.loads(reply.payload)
    assert command is None and reply.topic == topics.HOUSE_RESULT.format()
    assert (body["code"], body["field"], body["ref"]) == (code, field, message.command_id)


def test_an_order_id_that_could_not_name_a_topic_is_refused_to_its_sender():
    body = b'{"v":1,"type":"order","order_id":"a:b","kind":"k","side":"buy","quantity":1,"price":1,"currency":"HKD"}'
    command, reply = inbound(topics.BIDDER_ORDER.format(account="alice"), body)
    assert command is None and reply.topic == topics.BIDDER_RESULT.format(account="alice")
    assert json.loads(reply.payload)["field"] == "order_id"
