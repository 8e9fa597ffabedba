"""Identity as a domain of the house's kernel: its commands, events, answers and notices."""
from __future__ import annotations

from typing import Any

from cloud.identity import commands as identity_commands, events as ev, rules
from cloud.identity.commands import CheckPin, ManageAccount, SetPresence
from cloud.identity.state import IdentityState, apply
from cloud.kernel.domain import House, Publication, Tick
from shared import messages, topics
from shared.messages import encode

NAME = "identity"


def identity(house: House) -> IdentityState:
    return house[NAME]


class IdentityDomain:
    name = NAME
    commands = (SetPresence, CheckPin, ManageAccount)
    events = (ev.AccountRegistered, ev.BidderEnrolled, ev.AccountApproved, ev.AccountDeclined, ev.PinSet, ev.PinAnswered,
              ev.PresenceChanged, ev.AccountAnswered, ev.AccountAnsweredAgain)
    modules = (identity_commands, ev)

    def __init__(self, policy: rules.IdentityPolicy | None = None):
        self.policy = policy or rules.IdentityPolicy()

    def initial(self) -> IdentityState:
        return IdentityState()

    def decide(self, house: House, command: Any, seq: int, ts: int) -> list[Any]:
        state = identity(house)
        if isinstance(command, Tick):
            return []
        if isinstance(command, CheckPin):
            return rules.check_pin(state, self.policy, command, seq, ts)
        if isinstance(command, SetPresence):
            return rules.set_presence(state, command)
        return rules.manage(state, self.policy, command, seq)

    def apply(self, event: Any, state: IdentityState) -> None:
        apply(event, state)

    def deadline(self, house: House) -> int | None:
        return None

    def publications(self, house: House, events: list[Any]) -> list[Publication]:
        out = []
        for event in events:
            if isinstance(event, ev.PinAnswered):
                left = self.policy.pin_attempts - event.failures if event.code.name == "PIN_WRONG" else None
                body = messages.Session(event.unlocked, event.code.name, event.message, event.seq, event.locked_until, left)
                out.append(Publication(topics.BIDDER_RESULT.format(account=event.account), encode(body)))
            elif isinstance(event, (ev.AccountAnswered, ev.AccountAnsweredAgain)):
                answer = identity(house).answers[event.key]
                body = messages.CommandResult(answer.command_id, "ok" if answer.ok else "rejected", answer.code.name, answer.message, answer.seq)
                out.append(Publication(topics.HOUSE_RESULT.format(), encode(body)))
        return out

    def settled(self, house: House, events: list[Any], seq: int, ts: int) -> list[Publication]:
        return []
