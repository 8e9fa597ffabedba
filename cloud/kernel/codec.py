"""Commands and events to JSON and back, for the journal: dataclasses tagged by class name.

The registry is built from the modules each domain names, so the kernel knows no domain. Tuples
and enums are restored from the dataclasses' type hints (an enum is journaled by its name, so a
result code stays a code from decision to journal to replay).
"""
from __future__ import annotations

import dataclasses
import enum
import json
import typing
from collections.abc import Callable, Iterable
from functools import cache
from operator import attrgetter
from types import ModuleType
from typing import Any

_PLAIN = frozenset({int, str, bool, float, type(None)})
_new = object.__new__
_dumps = json.JSONEncoder(separators=(",", ":")).encode


class Codec:
    def __init__(self, modules: Iterable[ModuleType]):
        self.registry: dict[str, type] = {}
        self._decoder = json.JSONDecoder(object_hook=self._untagged)
        for module in modules:
            for name, obj in vars(module).items():
                if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == module.__name__:
                    known = self.registry.setdefault(name, obj)
                    if known is not obj:
                        raise ValueError(f"two journaled types are called {name}: {known.__module__} and {module.__name__}")

    def dumps(self, obj: Any) -> str:
        return _dumps(_tagged(obj))

    def loads(self, text: str) -> Any:
        return self._decoder.decode(text)

    def mention(self, name: str, value: str | int) -> str:
        """The text a journaled object whose field `name` is `value` holds: to pick rows out unread."""
        return json.dumps({name: value}, separators=(",", ":"))[1:-1]

    def _untagged(self, body: dict[str, Any]) -> Any:
        """json's hook, called innermost object first: a tagged object becomes its dataclass."""
        tag = body.pop("_t", None)
        if tag is None:
            return body
        cls = self.registry[tag]
        tuples, enums, fields = _restorers(cls)
        for k in tuples:
            if k in body:
                body[k] = _deep_tuple(body[k])
        for k, kind in enums.items():
            if body.get(k) is not None:
                body[k] = kind[body[k]]
        if body.keys() == fields:                 # every field, as written: filled in directly (5x a frozen __init__)
            obj = _new(cls)
            obj.__dict__.update(body)
            return obj
        return cls(**body)


@cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


def _tagged(obj: Any) -> Any:
    return obj if type(obj) in _PLAIN else _encoder(type(obj))(obj)


@cache
def _encoder(cls: type) -> Callable[[Any], Any]:
    """How every value of `cls` is journaled, worked out once per class: the engine thread journals
    ~40 values a row, so no value walks an isinstance chain."""
    if issubclass(cls, enum.Enum):
        return attrgetter("name")
    if dataclasses.is_dataclass(cls):
        names, tag = _names(cls), cls.__name__
        read = _reader(names)

        def tagged(obj: Any) -> dict[str, Any]:
            body: dict[str, Any] = {"_t": tag}
            for name, value in zip(names, read(obj)):
                body[name] = value if type(value) in _PLAIN else _encoder(type(value))(value)
            return body
        return tagged
    if issubclass(cls, (list, tuple)):
        return lambda items: [_tagged(v) for v in items]
    return lambda obj: obj


def _reader(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The values of `names` of an object as a tuple, in one C call when there are two or more."""
    if len(names) >= 2:
        return attrgetter(*names)
    return lambda obj: tuple(getattr(obj, name) for name in names)


@cache
def _restorers(cls: type) -> tuple[frozenset[str], dict[str, type[enum.Enum]], frozenset[str] | None]:
    """The fields of `cls` that JSON cannot give back as they were: tuples, and enums (by name); and its
    fields if an object of it is nothing but its fields (no __post_init__, no slots, every field in
    __init__), so that decoding may fill them in without calling __init__."""
    plain = not hasattr(cls, "__post_init__") and "__slots__" not in vars(cls) and all(f.init for f in dataclasses.fields(cls))
    hints = typing.get_type_hints(cls)
    tuples = frozenset(name for name, hint in hints.items() if typing.get_origin(hint) is tuple)
    enums: dict[str, type[enum.Enum]] = {}
    for name, hint in hints.items():
        options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, _UnionType) else (hint,)
        found = [o for o in options if isinstance(o, type) and issubclass(o, enum.Enum)]
        if found:
            enums[name] = found[0]
    return tuples, enums, frozenset(_names(cls)) if plain else None


_UnionType = type(int | None)


def _deep_tuple(value: Any) -> Any:
    return tuple(_deep_tuple(v) for v in value) if isinstance(value, list) else value
