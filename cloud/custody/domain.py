"""Custody as a domain of the house's kernel. It moves units through the ledger domain, so a house
that hosts custody hosts the ledger too."""
from __future__ import annotations

from typing import Any

from cloud.custody import commands as cmd, events as ev, rules
from cloud.custody.state import CustodyState, apply
from cloud.kernel.domain import House, Publication, Tick
from cloud.ledger.answers import published
from cloud.ledger.domain import LedgerDomain
from shared import backoffice


class CustodyDomain:
    name = "custody"
    commands = (cmd.AddCategory, cmd.DefineKind, cmd.DepositItem, cmd.WithdrawItem)
    events = (ev.CategoryAdded, ev.KindDefined, ev.ItemDeposited, ev.ItemWithdrawn, ev.CustodyAnswered, ev.CustodyAnsweredAgain)
    modules = (cmd, ev, backoffice)

    def initial(self) -> CustodyState:
        return CustodyState()

    def decide(self, house: House, command: Any, seq: int, ts: int) -> list[Any]:
        state = house[self.name]
        if isinstance(command, Tick):
            return []
        return rules.run(house, state, house[LedgerDomain.name], command, seq, ts)

    def apply(self, event: Any, state: CustodyState) -> None:
        apply(event, state)

    def deadline(self, house: House) -> int | None:
        return None

    def publications(self, house: House, events: list[Any]) -> list[Publication]:
        state: CustodyState = house[self.name]
        return [published(e if isinstance(e, ev.CustodyAnswered) else state.answers[e.key])
                for e in events if isinstance(e, (ev.CustodyAnswered, ev.CustodyAnsweredAgain))]

    def settled(self, house: House, events: list[Any], seq: int, ts: int) -> list[Publication]:
        return []
