"""Commands and events to JSON and back, for the journal: tagged dataclasses, tuples restored by type."""
from __future__ import annotations

import dataclasses
import json
import typing
from functools import cache
from typing import Any

from cloud.core import catalog, commands, discounts, events, increments
from shared import messages

_MODULES = (catalog, commands, discounts, events, increments, messages)
REGISTRY: dict[str, type] = {
    name: obj for module in _MODULES for name, obj in vars(module).items()
    if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == module.__name__
}


def dumps(obj: Any) -> str:
    return json.dumps(_tagged(obj), separators=(",", ":"))


def loads(text: str) -> Any:
    return _untagged(json.loads(text))


@cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


_PLAIN = (int, str, bool, float, type(None))


def _tagged(obj: Any) -> Any:
    if type(obj) in _PLAIN:                       # most fields: the hot path for every bid journaled
        return obj
    if dataclasses.is_dataclass(obj):
        body = {name: _tagged(getattr(obj, name)) for name in _names(type(obj))}
        return {"_t": type(obj).__name__, **body}
    if isinstance(obj, (list, tuple)):
        return [_tagged(v) for v in obj]
    return obj


@cache
def _tuple_fields(cls: type) -> frozenset[str]:
    hints = typing.get_type_hints(cls)
    return frozenset(name for name, hint in hints.items() if typing.get_origin(hint) is tuple)


def _untagged(value: Any) -> Any:
    if isinstance(value, list):
        return [_untagged(v) for v in value]
    if isinstance(value, dict) and "_t" in value:
        cls = REGISTRY[value["_t"]]
        tuples = _tuple_fields(cls)
        body = {k: _untagged(v) for k, v in value.items() if k != "_t"}
        return cls(**{k: (_deep_tuple(v) if k in tuples else v) for k, v in body.items()})
    return value


def _deep_tuple(value: Any) -> Any:
    return tuple(_deep_tuple(v) for v in value) if isinstance(value, list) else value
