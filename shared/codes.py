"""Every outcome the arbiter can report, with a stable code, banded by stage (exchange-core style).

The numeric value never changes once published; clients switch on the name or the number.
"""
from __future__ import annotations

from enum import IntEnum


class Code(IntEnum):
    # 0: success
    ACCEPTED = 0
    OK = 1
    # 1xxx: the message itself (protocol)
    MALFORMED_JSON = 1001
    NOT_AN_OBJECT = 1002
    UNSUPPORTED_VERSION = 1003
    UNKNOWN_TYPE = 1004
    MISSING_FIELD = 1005
    WRONG_TYPE = 1006
    UNKNOWN_FIELD = 1007
    BAD_VALUE = 1008
    PAYLOAD_TOO_LARGE = 1009
    # 2xxx: who is bidding (identity)
    UNKNOWN_BIDDER = 2001
    UNKNOWN_PADDLE = 2002
    RATE_LIMITED = 2003
    NOT_APPROVED = 2004
    PIN_REQUIRED = 2005
    PIN_WRONG = 2006
    PIN_LOCKED = 2007
    OVER_LIMIT = 2008
    # 3xxx: the bid against the lot
    UNKNOWN_LOT = 3001
    LOT_NOT_OPEN = 3002
    LOT_PAUSED = 3003
    LOT_CLOSED = 3004
    LATE_BID = 3005
    BELOW_ASKING = 3006
    ALREADY_LEADING = 3007
    CURRENCY_MISMATCH = 3008
    AMOUNT_ABSURD = 3009
    DUTCH_ENDED = 3012
    ABOVE_TOP_PRICE = 3013
    HALL_OFFLINE = 3014
    # 4xxx: auctioneer commands
    NO_BIDS = 4001
    RESERVE_NOT_MET = 4002
    CANNOT_REOPEN = 4003
    NOTHING_TO_RETRACT = 4004
    BAD_COMMAND = 4005
    LOT_ALREADY_OPEN = 4006
    NOT_PAUSED = 4007
    DUPLICATE_REGISTRATION = 4008
    UNKNOWN_SALE = 4009
    HALL_BUSY = 4010
    SALE_EXISTS = 4011
    SALE_IN_PROGRESS = 4012
    # 5xxx: orders
    UNKNOWN_ORDER = 5001
    ORDER_NOT_PENDING = 5002
    # 6xxx: the ledger (funds and units) and custody
    INSUFFICIENT_FUNDS = 6001
    INSUFFICIENT_UNITS = 6002
    LEDGER_MISMATCH = 6003
    SAME_ACCOUNT = 6004
    BAD_ACCOUNT = 6005
    TRANSFER_EXISTS = 6006
    UNKNOWN_TRANSFER = 6007
    PENDING_CLOSED = 6008
    EXCEEDS_PENDING = 6009
    NOT_REVERSIBLE = 6010
    DUPLICATE_REFERENCE = 6011
    UNKNOWN_PAYOUT = 6012
    UNKNOWN_KIND = 6101
    KIND_EXISTS = 6102
    UNKNOWN_CATEGORY = 6103
    CATEGORY_EXISTS = 6104
    BAD_GRADE = 6105
    UNKNOWN_ITEM = 6106
    ITEM_EXISTS = 6107
    ITEM_WITHDRAWN = 6108
    DUPLICATE_CERTIFICATE = 6109
    # 7xxx: the exchange (order books, listings, new issues, quantity clocks)
    MARKET_HALTED = 7001
    OUTSIDE_BAND = 7002
    SELF_TRADE = 7003
    NOT_FILLED = 7004
    ORDER_UNKNOWN = 7005
    ORDER_CLOSED = 7006
    NOTHING_TO_AMEND = 7007
    PAST_EXPIRY = 7008
    UNKNOWN_CLOCK = 7009
    CLOCK_EXISTS = 7010
    CLOCK_NOT_STARTED = 7011
    CLOCK_LATE = 7012
    BELOW_CLOCK = 7013
    BELOW_MINIMUM = 7014
    ABOVE_REMAINING = 7015
    UNKNOWN_ISSUE = 7016
    ISSUE_EXISTS = 7017
    ISSUE_NOT_OPEN = 7018
    BAD_TERMS = 7019
