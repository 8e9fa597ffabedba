"""Every payload, defined once as a frozen dataclass, with one strict decoder and one encoder.

Wire format: a compact JSON object with `"v": 1` (schema version) and `"type"`.
Rules, on purpose:
- An unknown version is refused (UNSUPPORTED_VERSION): a new version is a new contract.
- An unknown field is refused (UNKNOWN_FIELD) so a typo such as "ammount" never passes silently;
  fields starting with `x_` are extensions and are ignored, which is how a client adds private data.
- Integers must be JSON integers (not 100.0, not true); NaN and Infinity are refused, naming the field.
- Hostile JSON is refused before it can hurt: only UTF-8, nesting at most MAX_DEPTH deep (checked
  before the parser recurses), no lone UTF-16 surrogates (they cannot be encoded back), no key twice.
- `decode` raises ProtocolError(code, message, field); it never returns a half-valid message.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import operator
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, TypeVar, Union

from shared.codes import Code
from shared.dutch import clock_price
from shared.money import MAX_MINOR, MINOR_DIGITS

VERSION = 1
MAX_PAYLOAD_BYTES = 4096   # inbound limit enforced by the arbiter, with a reply (the broker's limit is silent)
MAX_DEPTH = 8              # objects and lists inside each other; our deepest message (lot_state) uses 3
ID_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class ProtocolError(ValueError):
    """A message that breaks the contract; carries the code and the human sentence for the sender."""

    def __init__(self, code: Code, message: str, field: str | None = None, ref: str | None = None):
        super().__init__(message)
        self.code, self.message, self.field, self.ref = code, message, field, ref


def _ident(value: str) -> str | None:
    return None if ID_RE.fullmatch(value) else "must be 1-64 characters of letters, digits, '_', '.', ':' or '-'"


def _amount(value: int) -> str | None:
    return None if 0 < value <= MAX_MINOR else f"must be between 1 and {MAX_MINOR} minor units"


def _currency(value: str) -> str | None:
    return None if value in MINOR_DIGITS else f"unknown currency (known: {', '.join(sorted(MINOR_DIGITS))})"


def _range(low: int, high: int) -> Callable[[int], str | None]:
    return lambda value: None if low <= value <= high else f"must be between {low} and {high}"


def _one_of(*choices: str) -> Callable[[str], str | None]:
    return lambda value: None if value in choices else f"must be one of {', '.join(choices)}"


def _text(limit: int) -> Callable[[str], str | None]:
    return lambda value: None if len(value) <= limit else f"must be at most {limit} characters"


def check(rule: Callable[[Any], str | None], default: Any = dataclasses.MISSING) -> Any:
    """A dataclass field whose value must pass `rule` (returns None when fine, else the complaint)."""
    return field(default=default, metadata={"check": rule})


@dataclass(frozen=True)
class Message:
    TYPE: ClassVar[str] = ""


# ---- inbound: hall boxes and online bidders -> arbiter ------------------------------------

@dataclass(frozen=True)
class Bid(Message):
    """A bid names its amount; the arbiter never raises it. `bid_id` is the idempotency key."""
    TYPE: ClassVar[str] = "bid"
    bid_id: str = check(_ident)
    lot: str = check(_ident)
    amount: int = check(_amount)
    currency: str = check(_currency)
    paddle: int | None = check(_range(1, 99_999), None)   # hall bids only
    sent_at_ms: int | None = check(_range(0, 2**53), None)   # sender's clock, for figures only


@dataclass(frozen=True)
class MaxBid(Message):
    """A maximum (proxy or absentee bid): the arbiter bids for the bidder, by the ladder, up to it."""
    TYPE: ClassVar[str] = "max_bid"
    bid_id: str = check(_ident)
    lot: str = check(_ident)
    amount: int = check(_amount)
    currency: str = check(_currency)


@dataclass(frozen=True)
class Press(Message):
    """How the paddle was pressed, sent after the bid with the same bid_id (for the discount)."""
    TYPE: ClassVar[str] = "press"
    bid_id: str = check(_ident)
    paddle: int = check(_range(1, 99_999))
    peak_grams: int = check(_range(0, 1_000_000))
    duration_ms: int = check(_range(0, 3_600_000))


@dataclass(frozen=True)
class Pin(Message):
    """The trade PIN, sent once per session after the broker login: bids count only once it checks.
    The arbiter keeps only a scrypt hash; the clear PIN is never journaled or logged."""
    TYPE: ClassVar[str] = "pin"
    pin: str = check(lambda v: None if re.fullmatch(r"[0-9]{4,8}", v) else "must be 4 to 8 digits")


ACTIONS = (
    "open_lot", "set_asking", "set_increment", "fair_warning", "hammer", "pass", "reopen", "retract",
    "pause", "resume", "lift_reserve", "floor_bid", "message", "register_paddle",
    "mark_paid", "cancel_order", "set_max",
)
ACCOUNT_ACTIONS = ("register", "approve", "decline", "set_limit", "set_pin")
PIN_HASH_RE = re.compile(r"scrypt\$\d+\$\d+\$\d+\$[0-9a-f]{32}\$[0-9a-f]{64}")


@dataclass(frozen=True)
class Command(Message):
    """An auctioneer command; which optional fields it needs depends on `action`."""
    TYPE: ClassVar[str] = "command"
    command_id: str = check(_ident)
    action: str = check(_one_of(*ACTIONS))
    lot: str | None = check(_ident, None)
    amount: int | None = check(_amount, None)
    factor: str | None = check(_one_of("half", "double", "ladder"), None)
    paddle: int | None = check(_range(1, 99_999), None)
    name: str | None = check(_text(80), None)
    account: str | None = check(_ident, None)
    order_id: str | None = check(_ident, None)
    text: str | None = check(_text(500), None)


@dataclass(frozen=True)
class AccountCommand(Message):
    """The house manages accounts: register (pending), approve (with an optional spending limit),
    decline, set_limit, set_pin. `pin_hash` is made by the house's tools; a clear PIN never travels."""
    TYPE: ClassVar[str] = "account_command"
    command_id: str = check(_ident)
    action: str = check(_one_of(*ACCOUNT_ACTIONS))
    account: str = check(_ident)
    handle: str | None = check(_ident, None)
    avatar: str | None = check(_text(200), None)
    pin_hash: str | None = check(lambda v: None if PIN_HASH_RE.fullmatch(v) else "must be a scrypt hash from ./hall account", None)
    limit: int | None = check(_amount, None)


SALE_ACTIONS = ("load", "close")
SALE_DEFINITION_BYTES = 200_000


@dataclass(frozen=True)
class SaleCommand(Message):
    """The house loads a sale into its engine (`definition`: the sale's TOML, as `./hall sale load`
    reads it from a file) or closes one (`sale`)."""
    TYPE: ClassVar[str] = "sale_command"
    command_id: str = check(_ident)
    action: str = check(_one_of(*SALE_ACTIONS))
    sale: str | None = check(_ident, None)
    definition: str | None = check(_text(SALE_DEFINITION_BYTES), None)


@dataclass(frozen=True)
class Presence(Message):
    TYPE: ClassVar[str] = "presence"
    online: bool
    handle: str | None = check(_text(40), None)


# ---- outbound: arbiter -> hall boxes, bidders, everyone ------------------------------------

@dataclass(frozen=True)
class BidResult(Message):
    """The arbiter's answer to one bid. `status` is accepted, rejected or late."""
    TYPE: ClassVar[str] = "bid_result"
    bid_id: str
    lot: str
    status: str
    code: str
    message: str
    seq: int
    amount: int | None = None
    asking: int | None = None
    currency: str | None = None
    paddle: int | None = None


@dataclass(frozen=True)
class CommandResult(Message):
    TYPE: ClassVar[str] = "command_result"
    command_id: str
    status: str           # ok | rejected
    code: str
    message: str
    seq: int


@dataclass(frozen=True)
class Session(Message):
    """The answer to a PIN: whether this account may bid now, and if locked, until when."""
    TYPE: ClassVar[str] = "session"
    unlocked: bool
    code: str
    message: str
    seq: int
    locked_until_ms: int | None = None
    attempts_left: int | None = None


@dataclass(frozen=True)
class Error(Message):
    """A message the arbiter could not read at all; `ref` is its bid_id/command_id when recoverable."""
    TYPE: ClassVar[str] = "error"
    code: str
    message: str
    field: str | None = None
    ref: str | None = None


@dataclass(frozen=True)
class Leader:
    """The leader as the room should see them."""
    channel: str                  # hall | online | floor
    label: str                    # "Paddle 12 · Mrs Chan" or the online handle
    paddle: int | None = None
    name: str | None = None
    handle: str | None = None
    avatar: str | None = None


@dataclass(frozen=True)
class DutchClock:
    top: int
    floor: int
    start_ms: int
    end_ms: int
    schedule: str                 # steps | linear
    step_ms: int
    price_now: int                # when the state was published; use price_at for later

    def price_at(self, ts_ms: int) -> int:
        return clock_price(self.top, self.floor, self.end_ms - self.start_ms, self.schedule, self.step_ms, ts_ms - self.start_ms)


@dataclass(frozen=True)
class HistoryEntry:
    """One accepted bid, as the auctioneer's screen lists it."""
    amount: int
    label: str
    channel: str                  # hall | online | floor
    seq: int
    at_ms: int


@dataclass(frozen=True)
class LotState(Message):
    """The current lot as everyone sees it (retained). Hidden reserves show only as reserve_met."""
    TYPE: ClassVar[str] = "lot_state"
    sale: str
    lot: str
    title: str
    kind: str                     # english | dutch
    status: str                   # pending | open | fair_warning | paused | sold | passed
    currency: str
    asking: int | None
    current_bid: int | None
    leader: Leader | None
    bids: int
    reserve_met: bool
    seq: int
    estimate_low: int | None = None
    estimate_high: int | None = None
    description: str = ""
    image: str | None = None
    increment: int | None = None
    dutch: DutchClock | None = None
    online_bidders: int = 0
    next_lot: str | None = None
    jumps: tuple[int, ...] = ()   # asking, then one and two increments above it (jump bids)
    history: tuple[HistoryEntry, ...] = ()     # the last accepted bids, newest last
    online_avatars: tuple[str, ...] = ()       # avatars of online bidders present (at most 12)
    hall_online: bool | None = None            # true: the room is connected; false while its link is down (online
                                               # bidding held); None: no hall box has connected to this sale yet
    at_ms: int | None = None                   # the arbiter's clock when published (a Dutch clock's time base)


@dataclass(frozen=True)
class Notice(Message):
    """Something for people to read: a late bid for the auctioneer, a message to online bidders."""
    TYPE: ClassVar[str] = "notice"
    kind: str                     # late_bid | message | order
    text: str
    lot: str | None = None
    seq: int | None = None


@dataclass(frozen=True)
class CatalogLot:
    lot: str
    title: str
    kind: str
    status: str
    estimate_low: int | None = None
    estimate_high: int | None = None
    hammer: int | None = None


@dataclass(frozen=True)
class Catalog(Message):
    """The run list (retained): every lot in sale order with its status, for pages and screens."""
    TYPE: ClassVar[str] = "catalog"
    sale: str
    currency: str
    lots: tuple[CatalogLot, ...]
    current: str | None = None


@dataclass(frozen=True)
class VideoFrame(Message):
    """The header line of a hall video frame; the JPEG bytes follow the newline (see frame_payload)."""
    TYPE: ClassVar[str] = "video_frame"
    hall: str
    seq: int
    at_ms: int                    # the hall box's clock when captured: the page shows the frame's age
    width: int
    height: int


@dataclass(frozen=True)
class SimPress(Message):
    """Simulation control: press a simulated paddle (only a simulated hall box listens)."""
    TYPE: ClassVar[str] = "sim_press"
    paddle: int = check(_range(1, 99_999))
    grams: int = check(_range(0, 50_000))
    hold_ms: int = check(_range(0, 60_000))
    button: bool = True


TYPES: dict[str, type[Message]] = {
    cls.TYPE: cls
    for cls in (Bid, MaxBid, Press, Pin, Command, AccountCommand, SaleCommand, Presence, BidResult, CommandResult, Session, Error,
                LotState, Catalog, Notice, VideoFrame, SimPress)
}
M = TypeVar("M", bound=Message)


def encode(message: Message, **known: str) -> bytes:
    """Compact UTF-8 JSON. Never raises on text: a lone surrogate (which UTF-8 cannot carry) becomes '?'.
    `known`: fields whose JSON the sender kept from an earlier publication (`encode_part`), written as
    given, the message's own value unread: a long tail is not converted again for every publication."""
    if not known:
        body = {"v": VERSION, "type": message.TYPE, **_plain(message)}
        return _dumps(body).encode("utf-8", "replace")
    names, read = _reader(type(message))
    parts = [f'"v":{VERSION}', '"type":' + _dumps(message.TYPE)]
    for name, value in zip(names, read(message)):
        if name in known:
            parts.append(f'"{name}":{known[name]}')
        elif value is not None:
            parts.append(f'"{name}":' + _dumps(value if type(value) in _SCALARS else _value_of(value)))
    return ("{" + ",".join(parts) + "}").encode("utf-8", "replace")


def encode_part(value: Any) -> str:
    """A message's part (a dataclass, a tuple) as `encode` writes it inside the message, for `encode`'s `known`."""
    return _dumps(_value_of(value))


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_SCALARS = frozenset({int, str, bool, float, type(None)})


def _plain(obj: Any) -> dict[str, Any]:
    """A dataclass's fields, None left out; scalars (most values) taken as they are, with no call."""
    names, read = _reader(type(obj))
    return {name: v if type(v) in _SCALARS else _value_of(v) for name, v in zip(names, read(obj)) if v is not None}


def _value_of(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    if _reader(type(value)):
        return _plain(value)
    if isinstance(value, tuple):
        return [_value_of(item) for item in value]
    return value


@functools.cache
def _reader(cls: type) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]] | None:
    """A dataclass's field names and what reads their values as a tuple (one attrgetter call when there
    are two or more), worked out once per class; None for any other type."""
    if not dataclasses.is_dataclass(cls):
        return None
    names = tuple(_schema(cls)[1])
    read = operator.attrgetter(*names) if len(names) >= 2 else lambda obj: tuple(getattr(obj, name) for name in names)
    return names, read


def frame_payload(header: VideoFrame, jpeg: bytes) -> bytes:
    """One video message: the JSON header, a newline, the JPEG (one MQTT message, no base64)."""
    return encode(header) + b"\n" + jpeg


def split_frame(payload: bytes) -> tuple[VideoFrame, bytes]:
    head, _, jpeg = payload.partition(b"\n")
    if not jpeg.startswith(b"\xff\xd8"):
        raise ProtocolError(Code.BAD_VALUE, "a video frame must carry a JPEG after its header line")
    return decode(head, VideoFrame), jpeg


class NonFinite:
    """NaN or Infinity as read from the wire: kept as a marker so the refusal can name its field."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


def _nests_deeper_than(text: str, limit: int) -> bool:
    """Whether JSON text nests objects/lists deeper than `limit`, found without recursing (json.loads
    recurses, so 1,500 levels raise RecursionError). Brackets inside strings do not count."""
    if text.count("{") + text.count("[") <= limit:
        return False                        # the common case: too few brackets to be deep
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
            if depth > limit:
                return True
        elif char in "}]":
            depth -= 1
    return False


def _has_lone_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _shown(text: str) -> str:
    """A key as it can be named back to the sender: surrogates escaped, at most 64 characters."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")[:64]


def _surrogate_at(value: Any, where: str) -> str | None:
    """The path of the first key or string holding a lone surrogate, if any."""
    if isinstance(value, str):
        return where if _has_lone_surrogate(value) else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        path = f"{where}[{key}]" if isinstance(key, int) else f"{where}.{_shown(key)}" if where else _shown(key)
        if isinstance(key, str) and _has_lone_surrogate(key):
            return path
        found = _surrogate_at(item, path)
        if found:
            return found
    return None


def _object(pairs: list[tuple[str, Any]], duplicates: list[str]) -> dict[str, Any]:
    body = dict(pairs)
    if len(body) != len(pairs):
        seen: set[str] = set()
        duplicates.extend(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
    return body


def _parse(payload: bytes) -> tuple[Any, list[str]]:
    """JSON from strict UTF-8, refusing deep nesting before parsing; returns the body and any keys
    that appeared twice in one object (json.loads would silently keep the last)."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(Code.MALFORMED_JSON, f"payload is not UTF-8: {exc.reason} at byte {exc.start}") from None
    if _nests_deeper_than(text, MAX_DEPTH):
        raise ProtocolError(Code.MALFORMED_JSON, f"payload nests deeper than {MAX_DEPTH} levels")
    duplicates: list[str] = []
    try:
        body = json.loads(text, parse_constant=NonFinite, object_pairs_hook=lambda pairs: _object(pairs, duplicates))
    except ValueError as exc:            # JSONDecodeError, or an integer too long to read
        raise ProtocolError(Code.MALFORMED_JSON, f"payload is not valid JSON: {exc}") from None
    return body, duplicates


def decode(payload: bytes, expect: type[M] | tuple[type[M], ...] | None = None,
           limit: int = MAX_PAYLOAD_BYTES) -> M:
    """Parse and validate one payload; `expect` restricts which message types this topic carries."""
    if len(payload) > limit:
        raise ProtocolError(Code.PAYLOAD_TOO_LARGE, f"payload is {len(payload)} bytes; the limit is {limit}")
    body, duplicates = _parse(payload)
    if not isinstance(body, dict):
        raise ProtocolError(Code.NOT_AN_OBJECT, "payload must be a JSON object")
    ref = body.get("bid_id") or body.get("command_id")
    ref = ref if isinstance(ref, str) and ID_RE.fullmatch(ref) else None
    if duplicates:
        raise ProtocolError(Code.MALFORMED_JSON, f"field '{_shown(duplicates[0])}' appears more than once", _shown(duplicates[0]), ref)
    if b"\\u" in payload and (where := _surrogate_at(body, "")):
        raise ProtocolError(Code.BAD_VALUE, f"field '{where}' holds a lone UTF-16 surrogate, which is not text", where, ref)
    if body.get("v") != VERSION:
        raise ProtocolError(Code.UNSUPPORTED_VERSION,
                            f"schema version {_shown(repr(body.get('v')))} is not supported; this arbiter speaks v{VERSION}", "v", ref)
    cls = TYPES.get(body.get("type")) if isinstance(body.get("type"), str) else None
    allowed = expect if isinstance(expect, tuple) else (expect,) if expect else tuple(TYPES.values())
    if cls is None or cls not in allowed:
        names = ", ".join(c.TYPE for c in allowed)
        raise ProtocolError(Code.UNKNOWN_TYPE, f"message type {_shown(repr(body.get('type')))} is not accepted here (expected {names})", "type", ref)
    try:
        return _build(cls, {k: v for k, v in body.items() if k not in ("v", "type")}, "")  # type: ignore[return-value]
    except ProtocolError as exc:
        exc.ref = ref
        raise


@functools.cache
def _schema(cls: type) -> tuple[dict[str, Any], dict[str, dataclasses.Field[Any]]]:
    """Type hints and fields of a message class, worked out once (they cost ~100 us a call)."""
    return typing.get_type_hints(cls), {f.name: f for f in dataclasses.fields(cls)}


class _Hint(typing.NamedTuple):
    """What a field's type hint asks of a wire value, worked out once per hint (not per field read)."""
    wanted: Any                   # the type, Optional taken off
    nullable: bool
    item: Any                     # a tuple's item hint; None if not a tuple
    nested: bool                  # a dataclass, built field by field


@functools.cache
def _hint(hint: Any) -> _Hint:
    options = typing.get_args(hint) if typing.get_origin(hint) in (Union, types.UnionType) else (hint,)
    wanted = next(o for o in options if o is not type(None))
    item = typing.get_args(wanted)[0] if typing.get_origin(wanted) is tuple else None
    return _Hint(wanted, type(None) in options, item, dataclasses.is_dataclass(wanted))


def _build(cls: type, body: dict[str, Any], prefix: str) -> Any:
    hints, fields = _schema(cls)
    for key in body:
        if key not in fields and not key.startswith("x_"):
            raise ProtocolError(Code.UNKNOWN_FIELD, f"unknown field '{prefix}{key}'", prefix + key)
    values = {}
    for name, spec in fields.items():
        where = prefix + name
        if name not in body or body[name] is None:
            if spec.default is dataclasses.MISSING and not _hint(hints[name]).nullable:
                raise ProtocolError(Code.MISSING_FIELD, f"field '{where}' is required", where)
            values[name] = None if spec.default is dataclasses.MISSING else spec.default
            continue
        value = _typed(hints[name], body[name], where)
        rule = spec.metadata.get("check")
        complaint = rule(value) if rule else None
        if complaint:
            raise ProtocolError(Code.BAD_VALUE, f"field '{where}' {complaint}", where)
        values[name] = value
    return cls(**values)


def _typed(hint: Any, value: Any, where: str) -> Any:
    wanted, _, item, nested = _hint(hint)
    if isinstance(value, NonFinite):
        raise ProtocolError(Code.BAD_VALUE, f"field '{where}' is {value.name}, not a number this protocol accepts", where)
    if item is not None:
        if not isinstance(value, list) or len(value) > 64:
            raise ProtocolError(Code.WRONG_TYPE, f"field '{where}' must be a list of at most 64", where)
        return tuple(_typed(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if nested:
        if not isinstance(value, dict):
            raise ProtocolError(Code.WRONG_TYPE, f"field '{where}' must be an object", where)
        return _build(wanted, value, where + ".")
    if wanted is int and (type(value) is not int):
        raise ProtocolError(Code.WRONG_TYPE, f"field '{where}' must be an integer, got {type(value).__name__}", where)
    if wanted is bool and type(value) is not bool:
        raise ProtocolError(Code.WRONG_TYPE, f"field '{where}' must be true or false", where)
    if wanted is str and type(value) is not str:
        raise ProtocolError(Code.WRONG_TYPE, f"field '{where}' must be a string, got {type(value).__name__}", where)
    return value
