"""Answer once: a command's outcome is kept under its key, and the same command again gets the
same answer and changes nothing (the ledger's and custody's commands, as bids are in the auction)."""
from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

from cloud.core.refusal import Refusal
from cloud.kernel.domain import Publication
from shared import messages, topics
from shared.codes import Code


@dataclass(frozen=True)
class Answer:
    """A command's outcome; each domain journals its own subclass, so the house routes it to that domain."""
    key: str                      # the sender + its command id
    command_id: str
    ok: bool
    code: Code
    message: str
    seq: int
    account: str | None = None    # a user's command: answered on their topic; None: the house desk


def answer_once(answers: Container[str], key: str, answered: type[Answer], again: Callable[[str], Any],
                command_id: str, account: str | None, seq: int,
                decide: Callable[[], tuple[list[Any], str]]) -> list[Any]:
    """`answers`: the keys of the commands answered already (each domain keeps their answers its own way).
    `decide()` returns the events and the sentence for the sender, or raises Refusal: then only
    the coded refusal is answered and nothing else happens."""
    if key in answers:
        return [again(key)]
    try:
        events, message = decide()
    except Refusal as refusal:
        return [answered(key, command_id, False, refusal.code, refusal.message, seq, account)]
    return [*events, answered(key, command_id, True, Code.OK, message, seq, account)]


def published(answer: Answer) -> Publication:
    """The answer as its sender reads it: the house desk on its result topic, a user on theirs."""
    result = messages.CommandResult(answer.command_id, "ok" if answer.ok else "rejected", answer.code.name, answer.message,
                                    answer.seq)
    topic = topics.HOUSE_RESULT.format() if answer.account is None else topics.BIDDER_RESULT.format(account=answer.account)
    return Publication(topic, messages.encode(result))
