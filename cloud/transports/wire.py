"""Wire messages (protocol v1, shared.messages) to the house's core commands.

The one place that knows both: the core journals its own values, so a new protocol version changes
this module, never the journal. Who sent a message comes from its topic (the broker's ACL binds
topics to logins), never from the payload.
"""
from __future__ import annotations

from typing import Any

from cloud.config import ConfigError, sale_definition
from cloud.core.commands import (BidOrder, CloseSale, Instruction, LoadSale, MaxOrder, PlaceBid, PressReading, RecordPress,
                                 RunCommand, SetHallLink, SetMax, SettleOrder)
from cloud.custody.wire import catalog_command, custody_command
from cloud.identity.commands import ManageAccount, SetPresence
from cloud.ledger.wire import ledger_command, payout_request, required
from cloud.market.wire import EXPECTS as MARKET_TOPICS, market_command
from shared import backoffice, messages, topics
from shared.codes import Code


def to_command(topic: topics.Topic, params: dict[str, str], message: Any) -> Any:
    """The core command for one decoded inbound message (None: informational only). A PIN is not a
    command (the transport checks it first: see PinGiven there), nor is the desk's ledger query."""
    if topic is topics.HALL_BID:
        return PlaceBid(_bid(message), "hall", params["hall"])
    if topic is topics.BIDDER_BID:
        if message.paddle is not None:
            raise messages.ProtocolError(Code.BAD_VALUE, "an online bid must not name a paddle", "paddle", message.bid_id)
        return PlaceBid(_bid(message), "online", params["account"])
    if topic is topics.BIDDER_MAX:
        return SetMax(MaxOrder(message.bid_id, message.lot, message.amount, message.currency), params["account"])
    if topic is topics.HALL_PRESS:
        return RecordPress(PressReading(message.bid_id, message.paddle, message.peak_grams, message.duration_ms), params["hall"])
    if topic is topics.HALL_COMMAND:
        return RunCommand(Instruction(message.command_id, message.action, message.lot, message.amount, message.factor,
                                      message.paddle, message.name, message.account, message.order_id, message.text), params["hall"])
    if topic is topics.HALL_PRESENCE:             # the hall box is connected: so is the room (its link)
        return SetHallLink(params["hall"], True) if message.online else None
    if topic is topics.BIDDER_PRESENCE:
        return SetPresence(params["account"], message.online)
    if topic is topics.HOUSE_ACCOUNT:
        return ManageAccount(message.command_id, message.action, message.account, message.handle, message.avatar,
                             message.pin_hash, message.limit)
    if topic is topics.HOUSE_SALE:
        return _sale_command(message)
    if topic is topics.HOUSE_LEDGER:              # a query is answered from the state, not sequenced
        return message if isinstance(message, backoffice.LedgerQuery) else ledger_command(message)
    if topic is topics.HOUSE_CUSTODY:
        return catalog_command(message) if isinstance(message, backoffice.CatalogCommand) else custody_command(message)
    if topic is topics.HOUSE_ORDERS:
        return SettleOrder(message.command_id, message.action, message.order_id, message.reference, message.reason)
    if topic is topics.BIDDER_PAYOUT:
        return payout_request(message, params["account"])
    if topic in MARKET_TOPICS:
        return market_command(message, params.get("account"))
    return None


def _sale_command(message: messages.SaleCommand) -> LoadSale | CloseSale:
    if message.action == "close":
        required(message, ("sale",))
        return CloseSale(message.sale, message.command_id)  # type: ignore[arg-type]
    required(message, ("definition",))
    try:
        return LoadSale(sale_definition(message.definition), message.command_id)  # type: ignore[arg-type]
    except ConfigError as exc:
        raise messages.ProtocolError(Code.BAD_VALUE, f"the sale definition is not valid: {exc}", "definition", message.command_id) from None


def _bid(message: messages.Bid) -> BidOrder:
    return BidOrder(message.bid_id, message.lot, message.amount, message.currency, message.paddle)
