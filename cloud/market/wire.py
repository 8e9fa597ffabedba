"""The exchange's wire messages (shared.market) into its core commands, for the MQTT transport. Who
sends a user's message comes from its topic, never from the payload. A desk message that lacks what its
action needs is refused here, before it is sequenced."""
from __future__ import annotations

from typing import Any

from cloud.ledger.wire import required
from cloud.market import commands as cmd
from shared import market as wire, topics
from shared.codes import Code
from shared.messages import ProtocolError

EXPECTS = {
    topics.BIDDER_ORDER: wire.Order, topics.BIDDER_CANCEL: wire.CancelOrder, topics.BIDDER_AMEND: wire.AmendOrder,
    topics.BIDDER_CLOCK: (wire.ClockListing, wire.ClockAccept), topics.BIDDER_APPLY: wire.IssueApplication,
    topics.BIDDER_SUBSCRIBE: wire.Subscription, topics.HOUSE_MARKET: wire.MarketCommand,
}
LIMITED_KINDS = {topics.BIDDER_ORDER: "order", topics.BIDDER_CANCEL: "cancel", topics.BIDDER_AMEND: "amend",
                 topics.BIDDER_CLOCK: "clock", topics.BIDDER_APPLY: "apply", topics.BIDDER_SUBSCRIBE: "subscribe"}
NEEDS = {"set_fees": ("maker_bps", "taker_bps"), "set_hours": ("category", "opens_minute", "closes_minute"),
         "halt": (), "resume": (), "set_reference": ("kind", "price"), "open_issue": ("issue",)}


def market_command(message: Any, account: str | None) -> Any:
    """The core command for a market message; `account`: the user its topic names (None: the house desk)."""
    if account is None:
        return desk_command(message)
    if isinstance(message, wire.Order):
        return cmd.PlaceOrder(account, message.order_id, message.kind, message.side, message.quantity, message.price,
                              message.currency, message.tif, message.until_ms)
    if isinstance(message, wire.CancelOrder):
        return cmd.CancelOrder(account, message.order_id)
    if isinstance(message, wire.AmendOrder):
        return cmd.AmendOrder(account, message.amend_id, message.order_id, message.quantity, message.price)
    if isinstance(message, wire.ClockListing):
        m = message
        return cmd.ListClock(account, m.clock_id, m.kind, m.quantity, m.minimum, m.top, m.floor, m.currency, m.starts_at_ms,
                             m.ends_at_ms, m.schedule, m.step_ms, m.restart)
    if isinstance(message, wire.ClockAccept):
        return cmd.AcceptClock(account, message.accept_id, message.clock_id, message.quantity, message.price)
    if isinstance(message, wire.IssueApplication):
        return cmd.ApplyForIssue(account, message.application_id, message.issue_id, message.quantity)
    return cmd.Subscribe(account, message.subscription_id, message.scope, message.value, message.active)


def desk_command(m: wire.MarketCommand) -> cmd.DeskCommand:
    required(m, NEEDS[m.action])
    if m.action == "set_fees":
        return cmd.SetFees(m.command_id, _scope(m), m.maker_bps, m.taker_bps)  # type: ignore[arg-type]
    if m.action == "set_hours":
        return cmd.SetHours(m.command_id, m.category, m.opens_minute, m.closes_minute)  # type: ignore[arg-type]
    if m.action in ("halt", "resume"):
        return cmd.SetHalt(m.command_id, _scope(m, "all"), m.action == "halt")
    if m.action == "set_reference":
        return cmd.SetReference(m.command_id, m.kind, m.price)  # type: ignore[arg-type]
    t = m.issue
    assert t is not None
    return cmd.OpenIssue(m.command_id, cmd.NewIssue(t.issue_id, t.kind, t.issuer, t.quantity, t.price, t.currency,
                                                    t.opens_at_ms, t.closes_at_ms, t.method, t.seed))


def _scope(m: wire.MarketCommand, otherwise: str | None = None) -> str:
    if m.kind and m.category:
        raise ProtocolError(Code.BAD_VALUE, f"{m.action} names a kind or a category, not both", "kind", m.command_id)
    if m.kind or m.category:
        return f"kind:{m.kind}" if m.kind else f"category:{m.category}"
    if otherwise is None:
        raise ProtocolError(Code.MISSING_FIELD, f"{m.action} needs a kind or a category", "kind", m.command_id)
    return otherwise
