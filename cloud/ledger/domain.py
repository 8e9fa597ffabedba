"""The ledger as a domain of the house's kernel: commands in, events applied, answers and notices out."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from cloud.identity.domain import identity
from cloud.kernel.domain import House, Publication, Tick
from cloud.kernel.tail import Tail
from cloud.ledger import commands as cmd, events as ev, rules
from cloud.ledger.answers import published
from cloud.ledger.state import LedgerState, answer_of, apply, line_of
from cloud.ledger.views import balances, statement, trial_balance
from shared import backoffice, messages, topics
from shared.codes import Code

STATEMENT_LINES = 20              # the retained statement carries the latest lines; the desk asks for all
TAILS_KEPT = 1_000                # the users whose statement lines stay encoded between batches (the most recent)


class LedgerDomain:
    name = "ledger"
    commands = (cmd.RecordDeposit, cmd.RecordPayout, cmd.RequestPayout, cmd.DecidePayout, cmd.ReverseTransfer)
    events = (ev.TransferRecorded, ev.ReferenceRecorded, ev.PayoutRequested, ev.PayoutDecided, ev.UserNotified,
              ev.LedgerAnswered, ev.LedgerAnsweredAgain)
    modules = (cmd, ev)

    def __init__(self) -> None:
        self._tails: OrderedDict[str, Tail] = OrderedDict()       # user -> their retained statement's lines

    def initial(self) -> LedgerState:
        return LedgerState()

    def decide(self, house: House, command: Any, seq: int, ts: int) -> list[Any]:
        state = house[self.name]
        if isinstance(command, Tick):
            return rules.expire(state, ts)
        if isinstance(command, cmd.RequestPayout):
            return rules.request_payout(house, state, command, seq, ts)
        return rules.run(house, state, command, seq, ts)

    def apply(self, event: Any, state: LedgerState) -> None:
        apply(event, state)

    def deadline(self, house: House) -> int | None:
        return rules.deadline(house[self.name])

    def publications(self, house: House, events: list[Any]) -> list[Publication]:
        state: LedgerState = house[self.name]
        out = []
        for event in events:
            if isinstance(event, ev.LedgerAnswered):
                out.append(published(event))
            elif isinstance(event, ev.LedgerAnsweredAgain):
                out.append(published(answer_of(event.key, state.answers[event.key])))
            elif isinstance(event, ev.UserNotified):
                notice = messages.Notice(kind=event.kind, text=event.text, seq=event.seq)
                out.append(Publication(topics.USER_NOTICE.format(account=event.account), messages.encode(notice)))
        return out

    def settled(self, house: House, events: list[Any], seq: int, ts: int) -> list[Publication]:
        """Each user whose accounts moved in the batch: their statement's latest lines and holdings (retained)."""
        state: LedgerState = house[self.name]
        users = dict.fromkeys(user for event in events if isinstance(event, ev.TransferRecorded)
                              for name in (event.transfer.debit, event.transfer.credit)
                              if (user := state.accounts[name].user) is not None)
        out = []
        for user in users:
            held = balances(state, user)
            tail = self._tail(user)
            lines = tail(state.lines.get(user, []))
            out.append(Publication(topics.USER_STATEMENT.format(account=user),
                                   messages.encode(backoffice.Statement(user, lines, held, seq), lines=tail.json()), retain=True))
            out.append(Publication(topics.USER_HOLDINGS.format(account=user),
                                   messages.encode(backoffice.Holdings(user, held, seq)), retain=True))
        return out

    def _tail(self, user: str) -> Tail:
        """A trade touches two users in every batch: their lines are parsed and encoded once, not 20 a batch."""
        tail = self._tails.pop(user, None) or Tail(line_of, STATEMENT_LINES)
        self._tails[user] = tail
        if len(self._tails) > TAILS_KEPT:
            self._tails.popitem(last=False)
        return tail

    def report(self, house: House, query: backoffice.LedgerQuery, seq: int) -> Publication:
        """The house desk's question answered from the state as of `seq` (the engine runs it on its thread)."""
        state: LedgerState = house[self.name]
        answer: messages.Message
        if query.report == "trial_balance":
            lines, totals = trial_balance(state)
            answer = backoffice.TrialBalance(lines, totals, all(t.balanced for t in totals), seq, query.command_id)
        elif query.account is None or query.account not in identity(house).accounts:
            answer = messages.Error(Code.UNKNOWN_BIDDER.name, f"there is no account '{query.account}'"
                                    if query.account else f"a {query.report} needs an account", "account", query.command_id)
        elif query.report == "notices":
            kept = state.notices.get(query.account, [])
            answer = backoffice.Notices(query.account, tuple(messages.Notice(kind=n.kind, text=n.text, seq=n.seq) for n in kept),
                                        seq, query.command_id)
        elif query.report == "statement":
            answer = backoffice.Statement(query.account, statement(state, query.account), balances(state, query.account),
                                          seq, query.command_id)
        else:
            answer = backoffice.Holdings(query.account, balances(state, query.account), seq, query.command_id)
        return Publication(topics.HOUSE_RESULT.format(), messages.encode(answer))
