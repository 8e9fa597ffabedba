"""Every message round-trips; every fault has its own code and names the field."""
import json
import re

import pytest

from shared import messages, topics
from shared.codes import Code
from shared.messages import ProtocolError, decode, encode
from shared.money import MAX_MINOR, Money, format_amount
from shared.times import utc_text

SAMPLES = [
    messages.Bid(bid_id="b-1", lot="12", amount=110_000, currency="HKD", paddle=7, sent_at_ms=5),
    messages.Press(bid_id="b-1", paddle=7, peak_grams=2500, duration_ms=400),
    messages.Command(command_id="c1", action="set_increment", factor="half"),
    messages.Presence(online=True, handle="alice"),
    messages.BidResult("b-1", "12", "rejected", "BELOW_ASKING", "outbid: asking is now 1,100 HKD", 9, 100_000, 110_000, "HKD"),
    messages.CommandResult("c1", "ok", "OK", "fair warning", 3),
    messages.Error("MALFORMED_JSON", "payload is not valid JSON"),
    messages.LotState("s", "12", "Coin", "english", "open", "HKD", 110_000, 100_000,
                      messages.Leader("hall", "Paddle 7 · Mrs Chan", paddle=7, name="Mrs Chan"), 3, True, 9,
                      dutch=messages.DutchClock(1, 0, 0, 1, "steps", 1, 1), jumps=(110_000, 120_000, 130_000),
                      history=(messages.HistoryEntry(100_000, "Paddle 7 · Mrs Chan", "hall", 8, 1_700_000_000_000),),
                      online_avatars=("avatars/alice.png",)),
    messages.SimPress(paddle=3, grams=4000, hold_ms=300, button=False),
    messages.Notice("late_bid", "late", "12", 4),
    messages.LotState("s", "12", "Coin", "english", "sold", "HKD", None, None, None, 0, False, 9),
]


@pytest.mark.parametrize("message", SAMPLES, ids=lambda m: m.TYPE)
def test_every_message_round_trips(message):
    assert decode(encode(message)) == message


def bid(**changes):
    body = {"v": 1, "type": "bid", "bid_id": "b1", "lot": "1", "amount": 100, "currency": "HKD"}
    body.update(changes)
    return json.dumps({k: v for k, v in body.items() if v is not ...}).encode()


@pytest.mark.parametrize("payload, code, field", [
    (b"{not json", Code.MALFORMED_JSON, None),
    (b"\xff\xfe", Code.MALFORMED_JSON, None),
    (b"[1, 2]", Code.NOT_AN_OBJECT, None),
    (bid(v=2), Code.UNSUPPORTED_VERSION, "v"),
    (bid(v=...), Code.UNSUPPORTED_VERSION, "v"),
    (bid(type="lot_state"), Code.UNKNOWN_TYPE, "type"),
    (bid(amount=...), Code.MISSING_FIELD, "amount"),
    (bid(amount="100"), Code.WRONG_TYPE, "amount"),
    (bid(amount=100.0), Code.WRONG_TYPE, "amount"),
    (bid(amount=True), Code.WRONG_TYPE, "amount"),
    (bid(amount=-5), Code.BAD_VALUE, "amount"),
    (bid(amount=0), Code.BAD_VALUE, "amount"),
    (bid(amount=MAX_MINOR + 1), Code.BAD_VALUE, "amount"),
    (bid(amount=10**400), Code.BAD_VALUE, "amount"),
    (bid(currency="XXX"), Code.BAD_VALUE, "currency"),
    (bid(bid_id="has space"), Code.BAD_VALUE, "bid_id"),
    (bid(bid_id="x" * 65), Code.BAD_VALUE, "bid_id"),
    (bid(ammount=5), Code.UNKNOWN_FIELD, "ammount"),
    (bid(paddle=0), Code.BAD_VALUE, "paddle"),
    (b'{"v":1,"type":"bid","bid_id":"b1","lot":"1","amount":NaN,"currency":"HKD"}', Code.BAD_VALUE, "amount"),
    (b'{"v":1,"type":"bid","bid_id":"b1","lot":"1","amount":Infinity,"currency":"HKD"}', Code.BAD_VALUE, "amount"),
    (b" " * 5000, Code.PAYLOAD_TOO_LARGE, None),
])
def test_faults_have_specific_codes(payload, code, field):
    with pytest.raises(ProtocolError) as caught:
        decode(payload, messages.Bid)
    assert caught.value.code == code and caught.value.field == field and caught.value.message


def test_error_carries_the_bid_id_when_it_could_be_read():
    with pytest.raises(ProtocolError) as caught:
        decode(bid(amount="lots"), messages.Bid)
    assert caught.value.ref == "b1"


def test_extension_fields_are_ignored_on_purpose():
    assert decode(bid(x_client="cli 1.0"), messages.Bid).amount == 100


def test_a_topic_accepts_only_its_message_type():
    press = encode(messages.Press(bid_id="b", paddle=1, peak_grams=1, duration_ms=1))
    with pytest.raises(ProtocolError) as caught:
        decode(press, messages.Bid)
    assert caught.value.code == Code.UNKNOWN_TYPE


def test_nested_objects_are_checked_too():
    state = json.loads(encode(SAMPLES[7]))
    assert state["jumps"] == [110_000, 120_000, 130_000]
    state["leader"]["paddle"] = "seven"
    with pytest.raises(ProtocolError) as caught:
        decode(json.dumps(state).encode(), messages.LotState, limit=10_000)
    assert caught.value.field == "leader.paddle"


def test_money_formatting_and_integers_only():
    assert format_amount(110_000, "HKD") == "1,100 HKD"
    assert format_amount(110_050, "HKD") == "1,100.50 HKD"
    assert format_amount(1500, "JPY") == "1,500 JPY"
    assert str(Money(-250, "USD")) == "-2.50 USD"
    with pytest.raises(TypeError):
        Money(1.5, "HKD")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(1, "XXX")


@pytest.mark.parametrize("topic", topics.ALL, ids=lambda t: t.name)
def test_every_topic_parses_back_to_itself(topic):
    params = {name: f"{name}-1" for name in re.findall(r"\{(\w+)\}", topic.pattern)}
    built = topic.format(**params)
    assert topics.parse(built) == (topic, params)
    assert topic.filter().count("+") == len(params)


def test_topic_parameters_must_be_plain_ids():
    with pytest.raises(ValueError):
        topics.BIDDER_BID.format(account="alice/../bob")
    with pytest.raises(ValueError):
        topics.BIDDER_BID.format(account="#")
    assert topics.parse("auction/bidder/a/b/bid") is None


def test_direction_is_in_the_prefix():
    for topic in topics.ALL:
        first = topic.pattern.split("/")[0]
        assert (first == "arbiter") == (topic.publisher == "arbiter"), topic.name


def test_the_encoding_is_exact_nulls_left_out_at_every_depth_tuples_as_lists_text_as_utf8():
    """The bytes, not only the round trip: retained states and pages' parsers read exactly these
    (written out as the generic encoder made them before the per-class fast path)."""
    from shared import backoffice as bo, marketdata as w
    assert encode(SAMPLES[7]) == (
        b'{"v":1,"type":"lot_state","sale":"s","lot":"12","title":"Coin","kind":"english","status":"open","currency":"HKD",'
        b'"asking":110000,"current_bid":100000,"leader":{"channel":"hall","label":"Paddle 7 \xc2\xb7 Mrs Chan","paddle":7,'
        b'"name":"Mrs Chan"},"bids":3,"reserve_met":true,"seq":9,"description":"","dutch":{"top":1,"floor":0,"start_ms":0,'
        b'"end_ms":1,"schedule":"steps","step_ms":1,"price_now":1},"online_bidders":0,"jumps":[110000,120000,130000],'
        b'"history":[{"amount":100000,"label":"Paddle 7 \xc2\xb7 Mrs Chan","channel":"hall","seq":8,"at_ms":1700000000000}],'
        b'"online_avatars":["avatars/alice.png"]}')
    spec = bo.KindSpec(kind="k1", category="stamps", name="Penny Black", grade=bo.Grade("stamp", "VF"), issue_year=1840)
    value = w.ValuePoint(5, None, "none", "none", 0, 0)
    market = w.KindMarket("k1", "GBP", spec, 5, None, (w.Window("all", 0, 1, 2, 2, 2, 2),), value, 1, ("ann",),
                          (w.TapePoint(4, "exchange", 1, 2),), (value,), (), 7)
    assert encode(market) == (
        b'{"v":1,"type":"kind_market","kind":"k1","currency":"GBP","spec":{"kind":"k1","category":"stamps","name":"Penny Black",'
        b'"grade":{"scale":"stamp","value":"VF"},"issue_year":1840,"description":"","issuer":"","denomination":"","material":"",'
        b'"references":[],"images":[]},"at_ms":5,"windows":[{"name":"all","ms":0,"trades":1,"volume":2,"high":2,"low":2,'
        b'"average":2}],"value":{"at_ms":5,"source":"none","confidence":"none","trades":0,"excluded":0},"owners":1,'
        b'"owner_handles":["ann"],"tape":[{"at_ms":4,"channel":"exchange","quantity":1,"price":2,"group":false,"cancelled":""}],'
        b'"history":[{"at_ms":5,"source":"none","confidence":"none","trades":0,"excluded":0}],"unsold":[],"seq":7}')


def test_times_read_in_utc_to_the_second_with_no_float_on_the_way():
    assert utc_text(0) == "1970-01-01 00:00" and utc_text(1_795_000_000_999, True) == "2026-11-18 11:06:40"
    assert utc_text(2**53 - 1, True) == "9,007,199,254,740,991 ms after 1970-01-01 00:00"     # past year 9999: still said
