"""One TOML file configures every process; each process loads its own sections into one typed object.

The strict loader lives here so both sides check the same way: unknown keys and wrong types are
errors that name the key, and a section no process knows is an error too (a typo never silently
falls back to a default).
"""
from __future__ import annotations

import dataclasses
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "deploy" / "demo.toml"
CLOUD_SECTIONS = frozenset({"broker", "arbiter", "web", "sale", "discount", "ladders", "lots", "paddles", "bidders"})
HALL_SECTIONS = frozenset({"broker", "sale", "lots", "paddles", "hall", "press", "display", "camera"})


class ConfigError(ValueError):
    """The config file is wrong; the message names the key."""


@dataclass(frozen=True)
class BrokerConfig:
    host: str = "127.0.0.1"
    port: int = 1883
    username: str = ""                # the broker login (the cloud broker requires one)
    password: str = ""
    cafile: str = ""                  # set: connect with TLS, trusting this CA
    failover: str = ""                # more "host:port" of the same cluster, space-separated (the arbiter's node may die)

    def endpoints(self) -> list[tuple[str, int]]:
        """host:port first, then the failover addresses, in the order a client tries them."""
        out = [(self.host, self.port)]
        for address in self.failover.split():
            host, _, port = address.rpartition(":")
            if not host or not port.isdigit():
                raise ConfigError(f"broker.failover: {address!r} is not host:port")
            out.append((host, int(port)))
        return out


@dataclass(frozen=True)
class SaleConfig:
    """The sale: the arbiter runs it, the hall box needs its id and its hall's id."""
    id: str = "demo-sale"
    hall: str = "hall1"
    currency: str = "HKD"
    ladder: str = "saleroom"
    premium_bp: int = 2500
    grace_ms: int = 2000
    max_bid_multiple: int = 10
    pin_attempts: int = 5             # wrong trade PINs in a row before bidding locks
    pin_lockout_s: int = 900
    commission_bp: int = 1000         # the consignor's commission on the hammer price ...
    commission_min: int = 0           # ... at least this (whole currency units), never more than the hammer
    pay_within_s: int = 604_800       # an order unpaid this long after the hammer is in default
    default_fee_bp: int = 0           # charged on a defaulted order's total when the house cancels it ...
    default_fee_min: int = 0          # ... at least this (whole units), at most what the buyer has available
    release_after_s: int = 1_209_600  # a paid order not delivered by the desk is released this long after payment


@dataclass(frozen=True)
class LotConfig:
    id: str
    title: str = ""                   # may be left out when `item` names a catalog item
    item: str = ""                    # the item in the house's custody this lot sells (its depositor consigns it)
    kind: str = "english"
    opening: int = 0
    reserve: int = 0
    ladder: str = ""
    estimate: list[int] = field(default_factory=list)
    description: str = ""
    image: str = ""
    top: int = 0
    floor: int = 0
    duration_s: int = 60
    schedule: str = "steps"
    step_s: int = 2


@dataclass(frozen=True)
class PaddleConfig:
    number: int
    name: str
    account: str = ""                 # the holder's account, if any: its spending limit applies in the room too


def read(path: str | Path | None) -> tuple[Path, dict[str, Any]]:
    source = Path(path) if path else DEFAULT_FILE
    try:
        table = tomllib.loads(source.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:   # a file not in UTF-8 too
        raise ConfigError(f"{source}: {exc}") from None
    unknown = set(table) - CLOUD_SECTIONS - HALL_SECTIONS
    if unknown:
        raise ConfigError(f"{source.name}: unknown section(s) {', '.join(sorted(unknown))}")
    return source, table


def build(cls: type, table: Any, where: str, sections: frozenset[str] | None = None) -> Any:
    """A dataclass from a TOML table, strictly; `sections`: the top-level tables this process reads."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    if sections is not None:
        table = {k: v for k, v in table.items() if k in sections}
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(table) - names
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    values = {name: _value(hints[name], value, f"{where}.{name}") for name, value in table.items()}
    try:
        return cls(**values)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _value(hint: Any, value: Any, where: str) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return build(hint, value, where)
    if origin is dict:
        return {k: _value(args[1], v, f"{where}.{k}") for k, v in _typed(value, dict, where).items()}
    if origin is list:
        return [_value(args[0], v, f"{where}[{i}]") for i, v in enumerate(_typed(value, list, where))]
    if origin is tuple:
        return tuple(_value(args[0], v, f"{where}[{i}]") for i, v in enumerate(_typed(value, list, where)))
    if hint is Any:
        return value
    return _typed(value, hint, where)


def _typed(value: Any, kind: type, where: str) -> Any:
    if type(value) is not kind:
        raise ConfigError(f"{where} must be {kind.__name__}, got {type(value).__name__} {value!r}")
    return value
