"""Hostile JSON against the strict decoder (issue 9, finding 1; issue 10's NaN ref): every input is a
message or a ProtocolError naming what is wrong, and every refusal can be encoded back to its sender."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import messages
from shared.codes import Code
from shared.messages import MAX_DEPTH, ProtocolError, decode, encode

BID = '{"v":1,"type":"bid","bid_id":"b1","lot":"1","amount":%s,"currency":"HKD"%s}'


def refusal(payload: bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        decode(payload, messages.Bid)
    error = caught.value
    reply = encode(messages.Error(error.code.name, error.message, error.field, error.ref))   # must not raise
    assert json.loads(reply.decode("utf-8"))["code"] == error.code.name
    return error


@pytest.mark.parametrize("payload, code, field", [
    (BID.encode() % (b"800", b',"\\ud800":1'), Code.BAD_VALUE, "\\ud800"),
    (BID.encode() % (b"800", b',"x_note":"\\udfff"'), Code.BAD_VALUE, "x_note"),
    (BID.encode() % (b"800", b',"x_list":["ok","\\ud83d"]'), Code.BAD_VALUE, "x_list[1]"),
    (BID.encode() % (b"800", b',"amount":900'), Code.MALFORMED_JSON, "amount"),
    (BID.encode() % (b"NaN", b""), Code.BAD_VALUE, "amount"),
    (BID.encode() % (b"-Infinity", b""), Code.BAD_VALUE, "amount"),
    (BID.encode() % (b"9" * 3000, b""), Code.BAD_VALUE, "amount"),
    (BID.encode() % (b"800", b',"x_deep":' + b"[" * 1500 + b"]" * 1500), Code.MALFORMED_JSON, None),
    (b"[" * 1500 + b"]" * 1500, Code.MALFORMED_JSON, None),
    (b'{"v":1,"type":"bid","bid_id":"b1","lot":"\xed\xa0\x80"}', Code.MALFORMED_JSON, None),
    ((BID % ("8", "")).encode("utf-16"), Code.MALFORMED_JSON, None),
])
def test_hostile_json_is_refused_with_a_code_naming_the_field(payload, code, field):
    error = refusal(payload)
    assert (error.code, error.field) == (code, field)


@pytest.mark.parametrize("extra", [',"\\ud800":1', ',"amount":900', ',"paddle":NaN'])
def test_the_refusal_keeps_the_bid_id_when_it_is_readable(extra):
    assert refusal((BID % ("800", extra)).encode()).ref == "b1"


def test_a_nan_amount_keeps_the_bid_id():
    assert refusal((BID % ("NaN", "")).encode()).ref == "b1"


def test_nesting_up_to_the_limit_is_still_read():
    nested = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert decode((BID % ("800", f',"x_list":{nested}')).encode(), messages.Bid).amount == 800
    brackets_in_text = '"' + "[{" * 900 + '"'
    assert decode((BID % ("800", f',"x_note":{brackets_in_text}')).encode(), messages.Bid).amount == 800


def test_encoding_never_raises_on_a_lone_surrogate():
    payload = encode(messages.Error("BAD_VALUE", "field '\ud800' is odd", "\ud800", None))
    assert json.loads(payload.decode("utf-8"))["field"] == "?"


JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
HOSTILE_JSON = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                            max_leaves=30)
FIELDS = st.sampled_from(["v", "type", "bid_id", "lot", "amount", "currency", "paddle", "sent_at_ms", "x_ext", "\ud800"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(FIELDS, HOSTILE_JSON, max_size=8), st.sampled_from([messages.Bid, messages.MaxBid, messages.Pin, messages.Presence]))
def test_any_json_is_a_message_or_a_refusal_that_encodes(body, kind):
    raw = json.dumps(body | {"v": 1, "type": kind.TYPE}, ensure_ascii=True, allow_nan=True).encode()
    try:
        decode(raw, kind)
    except ProtocolError as error:
        json.loads(encode(messages.Error(error.code.name, error.message, error.field, error.ref)))
