"""What the kernel asks of a domain, and the House that holds every domain's state.

A domain owns a state, the commands it decides and the events it applies. `decide` reads the whole
house (a sale reads the identity domain's accounts; a settlement plans ledger transfers) and may
return events owned by other domains: they are applied in order, and all of them commit in one
batch or none do. `apply` changes only the state of the domain that owns the event, and is the
only code that changes state, so replaying the journal's events rebuilds the house exactly.
A read model (a projection such as per-kind market data) is a domain that also *observes* other
domains' events: it applies them to its own state right after their owner, in the same batch, so
it is as durable, replayable and deterministic as the rest and other domains may decide on it.
"""
from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol


@dataclass(frozen=True)
class Publication:
    """One MQTT message to publish once the batch that produced it is durable."""
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = False


@dataclass(frozen=True)
class Tick:
    """Time passing: every domain may act on a deadline it set (a clock reaching its floor)."""


@dataclass(frozen=True)
class Stamped:
    seq: int                      # the house's total order: ties go to the lower seq
    ts: int                       # the kernel's clock, ms since the epoch, never backwards
    command: Any


class Domain(Protocol):
    """A pure domain. Implementations must be deterministic: no clock, no I/O, no randomness
    (time comes as `ts`, randomness from journaled seeds), and `apply` must not read config."""
    name: str                                 # its key in House.states and in snapshots
    commands: tuple[type, ...]                # the command types it decides (Tick goes to all)
    events: tuple[type, ...]                  # the event types it applies
    modules: tuple[ModuleType, ...]           # where its journaled dataclasses live (the codec's registry)
    observes: tuple[type, ...]                # other domains' event types it also applies, after their owner

    def initial(self) -> Any: ...
    def decide(self, house: "House", command: Any, seq: int, ts: int) -> list[Any]: ...
    def apply(self, event: Any, state: Any) -> None: ...
    def deadline(self, house: "House") -> int | None: ...
    def publications(self, house: "House", events: list[Any]) -> list[Publication]:
        """Messages for one command's events (answers, notices), given the state after them."""
    def settled(self, house: "House", events: list[Any], seq: int, ts: int) -> list[Publication]:
        """Retained public state changed by a whole batch's events (published once per batch)."""


class House:
    """Every domain's state, and the single step shared by the engine and replay."""

    def __init__(self, domains: Sequence[Domain]):
        self.domains = tuple(domains)
        self.states: dict[str, Any] = {d.name: d.initial() for d in self.domains}
        self._deciders = _index(self.domains, "commands")
        self._appliers = _index(self.domains, "events")
        self._observers: dict[type, list[Domain]] = {}
        for domain in self.domains:
            for kind in getattr(domain, "observes", ()):
                self._observers.setdefault(kind, []).append(domain)

    def __getitem__(self, name: str) -> Any:
        return self.states[name]

    def domain(self, name: str) -> Domain:
        return next(d for d in self.domains if d.name == name)

    def decide(self, stamped: Stamped) -> list[Any]:
        command, seq, ts = stamped.command, stamped.seq, stamped.ts
        if isinstance(command, Tick):
            return [e for d in self.domains for e in d.decide(self, command, seq, ts)]
        domain = self._deciders.get(type(command))
        if domain is None:
            raise TypeError(f"no domain decides {type(command).__name__}")
        return domain.decide(self, command, seq, ts)

    def apply(self, event: Any) -> None:
        domain = self._appliers.get(type(event))
        if domain is None:
            raise TypeError(f"no domain applies {type(event).__name__}")
        domain.apply(event, self.states[domain.name])
        for observer in self._observers.get(type(event), ()):
            observer.apply(event, self.states[observer.name])

    def handle(self, stamped: Stamped) -> list[Any]:
        """Decide, then apply: the engine's step (replay applies the journaled events only)."""
        events = self.decide(stamped)
        for event in events:
            self.apply(event)
        return events

    def deadline(self) -> int | None:
        due = [t for d in self.domains if (t := d.deadline(self)) is not None]
        return min(due) if due else None

    def publications(self, events: list[Any]) -> list[Publication]:
        return [p for d in self.domains for p in d.publications(self, events)]

    def settled(self, events: list[Any], seq: int, ts: int) -> list[Publication]:
        return [p for d in self.domains for p in d.settled(self, events, seq, ts)]

    def state_hash(self) -> str:
        """A digest of everything that decides the future: live, replayed and snapshotted houses agree."""
        digest = hashlib.sha256()
        for name in sorted(self.states):
            digest.update(name.encode() + b"\0" + json.dumps(plain(self.states[name]), sort_keys=True, default=str).encode())
        return digest.hexdigest()


def _index(domains: Sequence[Domain], attribute: str) -> dict[type, Domain]:
    index: dict[type, Domain] = {}
    for domain in domains:
        for kind in getattr(domain, attribute):
            if kind in index:
                raise ValueError(f"{kind.__name__} belongs to both {index[kind].name} and {domain.name}")
            index[kind] = domain
    return index


_SCALARS = (str, int, bool, float, type(None))


def plain(value: Any, seen: dict[Any, str] | None = None) -> Any:
    """A state as JSON-able data, for hashing: dataclass fields only (not derived attributes).
    An immutable part (a frozen dataclass) met again, equal to one met before, is written as a
    reference to the first (every lot of a sale carries its ladder): the walk follows the state's
    insertion order, the same live, replayed and snapshotted, so the hash costs what a house holds."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    seen = {} if seen is None else seen
    names = _field_names(kind)
    if names is not None:
        if kind.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            token = seen.get(value)
            if token is not None:
                return token
            seen[value] = f"@{len(seen)}"
        return {name: plain(getattr(value, name), seen) for name in names}
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, dict):
        return {str(k): plain(v, seen) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, seen) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return value


@functools.cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    return tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else None
