"""The latest records of an append-only list, as wire parts kept converted and encoded from one batch to
the next: a retained message that shows a list's tail (a kind's 200 trades, a statement's 20 lines) then
costs the records a batch added, not the whole tail again. Held by a domain beside its state, never in it:
a list replaced (rewritten, or restored from a snapshot) is converted afresh."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared import messages


class Tail:
    def __init__(self, convert: Callable[[Any], Any], shown: int):
        self.convert, self.shown = convert, shown
        self.source: list[Any] | None = None
        self.seen = 0
        self.points: tuple[Any, ...] = ()
        self.encoded: tuple[str, ...] = ()

    def __call__(self, records: list[Any]) -> tuple[Any, ...]:
        """The wire points of the latest `shown` records."""
        if records is not self.source or len(records) < self.seen:
            self.source, self.seen, self.points, self.encoded = records, 0, (), ()
        if len(records) > self.seen:
            fresh = tuple(map(self.convert, records[max(self.seen, len(records) - self.shown):]))
            self.points, self.seen = (self.points + fresh)[-self.shown:], len(records)
            self.encoded = (self.encoded + tuple(map(messages.encode_part, fresh)))[-self.shown:]
        return self.points

    def json(self) -> str:
        """The points as the JSON array `messages.encode` writes for them (for its `known` fields)."""
        return "[" + ",".join(self.encoded) + "]"
