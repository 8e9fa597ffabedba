"""Every MQTT topic, defined once: who publishes, who listens, QoS and retain.

The first segment after the root says who publishes (`hall/…` from a hall box, `bidder/…` from an
online bidder, `house/…` from the house's account tools, `arbiter/…` from the arbiter only), so a
broker ACL is one line per role.
Each topic has one builder (`topic.format(...)`) and one parser (`parse(topic_string)`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ROOT = "auction"
_ID = r"[A-Za-z0-9_.-]{1,64}"


@dataclass(frozen=True)
class Topic:
    name: str
    pattern: str        # with {param} placeholders
    publisher: str
    subscriber: str
    qos: int
    retain: bool
    carries: str        # the message type(s) it carries (shared.messages)

    def format(self, **params: str) -> str:
        for key, value in params.items():
            if not re.fullmatch(_ID, str(value)):
                raise ValueError(f"topic parameter {key}={value!r} is not a plain id")
        return f"{ROOT}/" + self.pattern.format(**params)

    def filter(self) -> str:
        """The subscription filter: every parameter becomes '+'."""
        return f"{ROOT}/" + re.sub(r"\{\w+\}", "+", self.pattern)

    def match(self, topic: str) -> dict[str, str] | None:
        regex = re.escape(f"{ROOT}/" + self.pattern)
        regex = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>{_ID})", regex)
        found = re.fullmatch(regex, topic)
        return found.groupdict() if found else None


HALL_BID = Topic("hall_bid", "hall/{hall}/bid", "hall box", "arbiter", 1, False, "bid")
HALL_PRESS = Topic("hall_press", "hall/{hall}/press", "hall box", "arbiter", 1, False, "press")
HALL_COMMAND = Topic("hall_command", "hall/{hall}/command", "hall box (auctioneer)", "arbiter", 1, False, "command")
HALL_BRIDGE = Topic("hall_bridge", "hall/{hall}/bridge", "the hall's Mosquitto bridge (and its will)", "arbiter", 1, True, "1 or 0 (Mosquitto's bridge notification)")
HALL_PRESENCE = Topic("hall_presence", "hall/{hall}/presence", "hall box (and its will)", "arbiter", 1, True, "presence")
BIDDER_BID = Topic("bidder_bid", "bidder/{account}/bid", "online bidder", "arbiter", 1, False, "bid")
BIDDER_MAX = Topic("bidder_max", "bidder/{account}/max", "online bidder", "arbiter", 1, False, "max_bid")
BIDDER_PIN = Topic("bidder_pin", "bidder/{account}/pin", "online bidder", "arbiter", 1, False, "pin")
HOUSE_ACCOUNT = Topic("house_account", "house/account", "the house (./hall account)", "arbiter", 1, False, "account_command")
HOUSE_SALE = Topic("house_sale", "house/sale", "the house (./hall sale)", "arbiter", 1, False, "sale_command")
HOUSE_AVATAR = Topic("house_avatar", "house/avatar/{account}", "the house (checked image bytes)", "hall boxes, pages", 1, True, "a PNG or JPEG image")
HALL_VIDEO = Topic("hall_video", "hall/{hall}/video", "hall box camera", "online bidders", 0, False, "video_frame header line, then JPEG bytes")
BIDDER_PRESENCE = Topic("bidder_presence", "bidder/{account}/presence", "online bidder (and its will)", "arbiter", 1, True, "presence")
HALL_RESULT = Topic("hall_result", "arbiter/hall/{hall}/result", "arbiter", "that hall box", 1, False, "bid_result, command_result, error")
HALL_NOTICE = Topic("hall_notice", "arbiter/hall/{hall}/notice", "arbiter", "that hall box (auctioneer)", 1, False, "notice")
BIDDER_RESULT = Topic("bidder_result", "arbiter/bidder/{account}/result", "arbiter", "that bidder", 1, False, "bid_result, session, error")
HOUSE_RESULT = Topic("house_result", "arbiter/house/result", "arbiter", "the house", 1, False, "command_result, error")
SALE_CATALOG = Topic("sale_catalog", "arbiter/sale/{sale}/catalog", "arbiter", "everyone", 1, True, "catalog")
LOT_STATE = Topic("lot_state", "arbiter/sale/{sale}/lot", "arbiter", "everyone", 1, True, "lot_state")
SIM_PRESS = Topic("sim_press", "sim/{hall}/press", "scripts and tests", "a simulated hall box", 1, False, "sim_press")
SALE_MESSAGE = Topic("sale_message", "arbiter/sale/{sale}/message", "arbiter", "everyone", 1, False, "notice")
HOUSE_LEDGER = Topic("house_ledger", "house/ledger", "the house (./hall ledger)", "arbiter", 1, False, "ledger_command, ledger_query")
HOUSE_CUSTODY = Topic("house_custody", "house/custody", "the house (./hall custody)", "arbiter", 1, False, "catalog_command, custody_command")
BIDDER_PAYOUT = Topic("bidder_payout", "bidder/{account}/payout", "online bidder", "arbiter", 1, False, "payout_request")
USER_STATEMENT = Topic("user_statement", "arbiter/user/{account}/statement", "arbiter", "that user", 1, True, "statement (the latest lines)")
USER_HOLDINGS = Topic("user_holdings", "arbiter/user/{account}/holdings", "arbiter", "that user", 1, True, "holdings")
USER_NOTICE = Topic("user_notice", "arbiter/user/{account}/notice", "arbiter", "that user", 1, False, "notice")
BIDDER_ORDER = Topic("bidder_order", "bidder/{account}/order", "a user (trade PIN given)", "arbiter", 1, False, "order")
BIDDER_CANCEL = Topic("bidder_cancel", "bidder/{account}/cancel", "a user (trade PIN given)", "arbiter", 1, False, "cancel_order")
BIDDER_AMEND = Topic("bidder_amend", "bidder/{account}/amend", "a user (trade PIN given)", "arbiter", 1, False, "amend_order")
BIDDER_CLOCK = Topic("bidder_clock", "bidder/{account}/clock", "a user (trade PIN given)", "arbiter", 1, False, "clock_listing, clock_accept")
BIDDER_APPLY = Topic("bidder_apply", "bidder/{account}/apply", "a user (trade PIN given)", "arbiter", 1, False, "issue_application")
BIDDER_SUBSCRIBE = Topic("bidder_subscribe", "bidder/{account}/subscribe", "a user", "arbiter", 1, False, "subscription")
HOUSE_MARKET = Topic("house_market", "house/market", "the house (fees, hours, halts, references, new issues)", "arbiter", 1, False, "market_command")
HOUSE_ORDERS = Topic("house_orders", "house/orders", "the house (./hall orders)", "arbiter", 1, False, "order_command")
OPEN_ORDERS = Topic("open_orders", "arbiter/house/orders", "arbiter", "the house (./hall orders list)", 1, True, "open_orders")
USER_ORDERS = Topic("user_orders", "arbiter/user/{account}/orders/{order}", "arbiter", "that user", 1, True, "open_order (retained while it is open, cleared when it closes)")
MARKET_DEPTH = Topic("market_depth", "arbiter/market/book/{kind}/depth", "arbiter", "everyone", 1, True, "depth (best 10 levels)")
MARKET_TAPE = Topic("market_tape", "arbiter/market/book/{kind}/tape", "arbiter", "everyone", 1, False, "trade")
MARKET_CLOCK = Topic("market_clock", "arbiter/market/clock/{clock}", "arbiter", "everyone", 1, True, "clock_state")
MARKET_ISSUE = Topic("market_issue", "arbiter/market/issue/{issue}", "arbiter", "everyone", 1, True, "issue_state")
KIND_MARKET = Topic("kind_market", "arbiter/kind/{kind}/market", "arbiter", "everyone", 1, True, "kind_market (figures, valuation)")

ALL: tuple[Topic, ...] = (
    HALL_BID, HALL_PRESS, HALL_COMMAND, HALL_PRESENCE, HALL_BRIDGE, HALL_VIDEO, BIDDER_BID, BIDDER_MAX, BIDDER_PIN,
    BIDDER_PRESENCE, HOUSE_ACCOUNT, HOUSE_SALE, HOUSE_AVATAR, HALL_RESULT, HALL_NOTICE, BIDDER_RESULT, HOUSE_RESULT, LOT_STATE,
    SALE_CATALOG, SALE_MESSAGE, SIM_PRESS, HOUSE_LEDGER, HOUSE_CUSTODY, BIDDER_PAYOUT, USER_STATEMENT, USER_HOLDINGS,
    USER_NOTICE, BIDDER_ORDER, BIDDER_CANCEL, BIDDER_AMEND, BIDDER_CLOCK, BIDDER_APPLY, BIDDER_SUBSCRIBE, HOUSE_MARKET,
    USER_ORDERS, MARKET_DEPTH, MARKET_TAPE, MARKET_CLOCK, MARKET_ISSUE, HOUSE_ORDERS, OPEN_ORDERS, KIND_MARKET,
)
INBOUND: tuple[Topic, ...] = tuple(t for t in ALL if t.subscriber == "arbiter")


ROLE_LOGINS = ("arbiter", "house")          # broker logins that are roles (cloud/security.py's ACL) ...
ROLE_PREFIXES = ("hall-", "bridge-")        # ... and per hall: never a bidder's account


def is_bidder_login(account: str) -> bool:
    """Whether `account` may be a bidder's (and so a broker login the account desk may create)."""
    return account not in ROLE_LOGINS and not account.startswith(ROLE_PREFIXES)


def parse(topic: str) -> tuple[Topic, dict[str, str]] | None:
    """The topic definition and its parameters, or None for a topic outside the contract."""
    for candidate in ALL:
        params = candidate.match(topic)
        if params is not None:
            return candidate, params
    return None
