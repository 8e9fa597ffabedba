"""The journal's text is a format: a journal written by earlier code must resume, and a row written
today must read as a row written then. journal_golden.txt holds the rows (command, then its events) of
a busy sale and an exchange session as the codec before its per-class encoders wrote them."""
from pathlib import Path

import pytest

from cloud.config import Config
from cloud.domains import house_codec, new_house

GOLDEN = Path(__file__).with_name("journal_golden.txt").read_text().splitlines()


@pytest.fixture(scope="module")
def codec():
    return house_codec(new_house(Config()))


def test_the_golden_rows_read_back_and_encode_byte_for_byte_as_they_were_written(codec):
    assert [codec.dumps(codec.loads(row)) for row in GOLDEN] == GOLDEN


def test_the_golden_rows_hold_nested_dataclasses_tuples_enums_and_nulls(codec):
    """What the byte-for-byte check covers: a change of encoder is tried on every shape a row has."""
    from shared.codes import Code
    objects = [codec.loads(row) for row in GOLDEN]
    seen: set[type] = set()

    def walk(value):
        seen.add(type(value))
        if isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif hasattr(value, "__dataclass_fields__"):
            for name in value.__dataclass_fields__:
                walk(getattr(value, name))

    for obj in objects:
        walk(obj)
    assert {tuple, list, type(None), bool, int, str, Code} <= seen
    assert len({t for t in seen if hasattr(t, "__dataclass_fields__")}) >= 50
