"""Hostile JSON for every inbound message kind (hypothesis): deep nesting, lone surrogates, huge
numbers, duplicate keys, NaN and Infinity, very long strings, every JSON type in every field.

The contract under test: decoding returns a message that passes its own rules (it re-encodes and
decodes to itself) or raises ProtocolError with a Code, naming the field whenever the fault is in
one; the arbiter's transport turns any payload into a command or an error reply that encodes, and
never raises.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloud.transports.mqtt import EXPECTS, LIMITS, inbound
from shared import messages, topics
from shared.codes import Code
from tests.fuzz.samples import INBOUND_SAMPLES

VALID = INBOUND_SAMPLES
WHOLE_PAYLOAD = {Code.PAYLOAD_TOO_LARGE, Code.MALFORMED_JSON, Code.NOT_AN_OBJECT}   # faults not in one field


def kinds(expected: type[messages.Message] | tuple[type[messages.Message], ...]) -> tuple[type[messages.Message], ...]:
    return expected if isinstance(expected, tuple) else (expected,)


CASES = sorted(((topic, cls) for topic, expected in EXPECTS.items() for cls in kinds(expected)), key=lambda case: (case[0], case[1].TYPE))


@dataclass(frozen=True)
class Raw:
    """JSON text put in verbatim: what json.dumps will not write (nesting past any limit, 5,000 digits)."""
    text: str


@dataclass(frozen=True)
class Pairs:
    """An object as a list of (key, value): the only way to say a key twice."""
    items: tuple[tuple[str, Any], ...]


def dump(value: Any, ascii_only: bool) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Pairs):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=ascii_only)}:{dump(v, ascii_only)}" for k, v in value.items) + "}"
    if isinstance(value, dict):
        return dump(Pairs(tuple(value.items())), ascii_only)
    if isinstance(value, list):
        return "[" + ",".join(dump(v, ascii_only) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)       # NaN and Infinity as Python writes them


surrogates = st.characters(categories=["Cs"])
texts = st.one_of(
    st.text(st.one_of(st.characters(), surrogates), max_size=30),
    st.integers(60, 6_000).map(lambda n: "é" * n),                        # past every length rule and the payload limit
    st.sampled_from(["", " ", "HKD", "1234", "open_lot", "alice", "x_", "\x00", "\ud800", "\udfff\ud800", "a" * 65]),
)
numbers = st.one_of(
    st.integers(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([Raw("1e999"), Raw("-1e999"), Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("-0"), Raw("1E400"),
                     Raw("9" * 5_000), Raw("0.1e-999999"), Raw(str(2**53 + 1))]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
nested = st.integers(1, 3_000).flatmap(lambda depth: st.sampled_from([Raw("[" * depth + "]" * depth),
                                                                       Raw('{"a":' * depth + "1" + "}" * depth)]))
values = st.one_of(st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                                  st.dictionaries(texts, inner, max_size=4)), max_leaves=8),
                   nested)


@st.composite
def hostile_body(draw: st.DrawFn, cls: type[messages.Message]) -> Pairs:
    """A valid message of `cls`, then some fields replaced, dropped, repeated, and strangers added."""
    body = json.loads(messages.encode(VALID[cls]))
    names = list(body) + [n for n in messages._schema(cls)[1] if n not in body]   # optional fields too
    for name in draw(st.lists(st.sampled_from(names), max_size=len(names), unique=True)):
        body[name] = draw(values)
    for name in draw(st.lists(st.sampled_from(list(body)), max_size=2, unique=True)):
        del body[name]
    items = list(body.items())
    items += draw(st.lists(st.tuples(st.one_of(texts, texts.map(lambda t: "x_" + t)), values), max_size=3))
    if items and draw(st.booleans()):
        key, _ = draw(st.sampled_from(items))
        items.append((key, draw(values)))
    return Pairs(tuple(items))


def topic_for(name: str) -> str:
    topic = next(t for t in topics.INBOUND if t.name == name)
    return topic.format(**{param: "hall1" if param == "hall" else "mallory" for param in ("hall", "account") if "{" + param + "}" in topic.pattern})


@pytest.mark.parametrize(("topic", "cls"), CASES, ids=[f"{topic}-{cls.TYPE}" for topic, cls in CASES])
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_hostile_json_is_a_valid_message_or_a_coded_refusal_and_the_reply_encodes(topic: str, cls: type[messages.Message],
                                                                                    data: st.DataObject):
    expected = kinds(EXPECTS[topic])
    body = data.draw(hostile_body(cls))
    ascii_only = data.draw(st.booleans())
    payload = dump(body, ascii_only).encode("utf-8", "surrogatepass")      # a raw surrogate is invalid UTF-8 on the wire
    try:
        message = messages.decode(payload, expected, LIMITS.get(topic, messages.MAX_PAYLOAD_BYTES))   # as the transport reads it
    except messages.ProtocolError as refused:
        assert isinstance(refused.code, Code)
        assert refused.code in WHOLE_PAYLOAD or isinstance(refused.field, str), (refused.code, refused.message)   # "" is a key too
        expected_code = refused.code.name
    else:
        assert isinstance(message, expected)
        assert messages.decode(messages.encode(message), expected, LIMITS.get(topic, messages.MAX_PAYLOAD_BYTES)) == message
        expected_code = None
    command, reply = inbound(topic_for(topic), payload)
    if reply is None:
        assert expected_code is None, "a refused message was taken as a command"   # (hall presence is only informational)
    else:
        answer = json.loads(reply.payload.decode("utf-8"))
        assert answer["type"] == "error" and command is None
        assert expected_code in (None, answer["code"])     # a valid message can still be refused by its topic (a paddle online)


def test_every_inbound_kind_has_a_valid_sample():
    assert set(VALID) == {cls for _, cls in CASES}
    for message in VALID.values():
        assert messages.decode(messages.encode(message), type(message)) == message
