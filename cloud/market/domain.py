"""The exchange as a domain of the house's kernel. It moves money and units through the ledger domain
and reads the catalog and accounts, so a house that hosts it hosts identity, the ledger and custody."""
from __future__ import annotations

from typing import Any

from cloud.kernel.domain import House, Publication, Tick
from cloud.ledger.domain import LedgerDomain
from cloud.ledger.postings import Postings
from cloud.market import clocks, commands as cmd, desk, events as ev, issues, news, orders, views
from cloud.market.guards import TransferIds
from cloud.market.policy import MarketPolicy
from cloud.market.state import MarketState, apply
from shared import market as wire, messages, topics

NAME = "market"
BOOK_EVENTS = (ev.Traded, ev.OrderRested, ev.OrderEnded, ev.OrderReduced)


class MarketDomain:
    name = NAME
    commands = (cmd.PlaceOrder, cmd.CancelOrder, cmd.AmendOrder, cmd.ListClock, cmd.AcceptClock, cmd.ApplyForIssue,
                cmd.Subscribe, cmd.SetFees, cmd.SetHours, cmd.SetHalt, cmd.SetReference, cmd.OpenIssue)
    events = (ev.OrderAccepted, ev.OrderWaits, ev.Traded, ev.OrderRested, ev.OrderEnded, ev.OrderReduced, ev.ClockListed,
              ev.ClockStarted, ev.ClockBought, ev.ClockWithdrawn, ev.IssueOpened, ev.IssueApplied, ev.IssueAllocated,
              ev.Subscribed, ev.FeesSet, ev.HoursSet, ev.HaltSet, ev.ReferenceSet, ev.MarketAnswered, ev.MarketAnsweredAgain)
    modules = (cmd, ev)

    def __init__(self, policy: MarketPolicy | None = None):
        self.policy = policy or MarketPolicy()
        self._depth_sent: dict[str, tuple[Any, ...]] = {}      # what each book's retained depth says (publish on change)

    def initial(self) -> MarketState:
        return MarketState()

    def decide(self, house: House, command: Any, seq: int, ts: int) -> list[Any]:
        state: MarketState = house[self.name]
        policy = self.policy
        if isinstance(command, Tick):
            return self._tick(house, state, seq, ts)
        if isinstance(command, cmd.PlaceOrder):
            return orders.place(house, state, policy, command, seq, ts)
        if isinstance(command, cmd.CancelOrder):
            return orders.cancel(house, state, policy, command, seq, ts)
        if isinstance(command, cmd.AmendOrder):
            return orders.amend(house, state, policy, command, seq, ts)
        if isinstance(command, cmd.ListClock):
            return clocks.list_clock(house, state, policy, command, seq, ts)
        if isinstance(command, cmd.AcceptClock):
            return clocks.accept(house, state, policy, command, seq, ts)
        if isinstance(command, cmd.ApplyForIssue):
            return issues.apply_for(house, state, command, seq, ts)
        if isinstance(command, cmd.Subscribe):
            return news.subscribe(house, state, command, seq)
        if isinstance(command, cmd.OpenIssue):
            return issues.open_issue(house, state, policy, command, seq, ts)
        return desk.run(house, state, policy, command, seq)

    def _tick(self, house: House, state: MarketState, seq: int, ts: int) -> list[Any]:
        """Whatever fell due: gtd expiries, clocks starting or withdrawn, issues allocated, one waiting order opened."""
        plan, ids = Postings(house[LedgerDomain.name], ts), TransferIds(seq)
        due = [*orders.expire(state, plan, ids, seq, ts), *clocks.tick(state, plan, ids, seq, ts),
               *issues.close_due(state, plan, ids, seq, ts)]
        if not due:
            due = orders.open_waiting(house, state, self.policy, plan, ids, seq, ts)
        return [*plan.events(), *due] if due else []

    def apply(self, event: Any, state: MarketState) -> None:
        apply(event, state)

    def deadline(self, house: House) -> int | None:
        state: MarketState = house[self.name]
        due = [min(state.expiries.values(), default=None), orders.waiting_deadline(house, state), clocks.deadline(state),
               issues.deadline(state)]
        return min((t for t in due if t is not None), default=None)

    def publications(self, house: House, events: list[Any]) -> list[Publication]:
        """Answers to senders, and each fill's notice to both parties (with their balances after it)."""
        state: MarketState = house[self.name]
        out = []
        for event in events:
            if isinstance(event, (ev.MarketAnswered, ev.MarketAnsweredAgain)):
                out.append(_answer(state.answers[event.key], self.policy.currency))
            elif isinstance(event, ev.Traded):
                for account, text in views.fill_notices(house, state, self.policy, event):
                    out.append(Publication(topics.USER_NOTICE.format(account=account),
                                           messages.encode(messages.Notice(kind="market", text=text, seq=event.seq))))
        return out

    def settled(self, house: House, events: list[Any], seq: int, ts: int) -> list[Publication]:
        """Public market data changed by a batch: depth (when it changed), the tape, clocks, issues; each changed order
        on its owner's retained topic (cleared when it closed, unless it was placed in this batch: never shown, a
        crossing order that filled at once costs no publication)."""
        state: MarketState = house[self.name]
        kinds: dict[str, None] = {}
        orders: dict[str, None] = {}
        placed: set[str] = set()
        clock_ids: dict[str, None] = {}
        issue_ids: dict[str, None] = {}
        out = []
        for event in events:
            if isinstance(event, ev.Traded):
                out.append(_public(topics.MARKET_TAPE.format(kind=event.kind),
                                   wire.Trade(event.kind, event.quantity, event.price, self.policy.currency, event.aggressor,
                                              event.seq, event.ts), retain=False))
            if isinstance(event, ev.ClockBought):
                kind = state.clocks[event.clock_id].terms.kind
                out.append(_public(topics.MARKET_TAPE.format(kind=kind), wire.Trade(kind, event.quantity, event.price,
                                   self.policy.currency, "clock", event.seq, event.ts), retain=False))
            if isinstance(event, (ev.HaltSet, ev.HoursSet)):
                kinds.update(dict.fromkeys(state.books))
            elif isinstance(event, ev.ReferenceSet):
                kinds[event.kind] = None
            elif isinstance(event, (ev.OrderAccepted, ev.OrderWaits)):
                orders[event.key] = None
                if isinstance(event, ev.OrderAccepted):
                    placed.add(event.key)
            elif isinstance(event, BOOK_EVENTS):
                kinds[event.kind] = None
                orders.update(dict.fromkeys((event.taker, event.maker) if isinstance(event, ev.Traded) else (event.key,)))
            elif isinstance(event, (ev.ClockListed, ev.ClockStarted, ev.ClockBought, ev.ClockWithdrawn)):
                clock_ids[event.clock_id] = None
            elif isinstance(event, (ev.IssueOpened, ev.IssueAllocated)):
                issue_ids[event.issue.issue_id if isinstance(event, ev.IssueOpened) else event.issue_id] = None
        for kind in kinds:
            shown = views.depth(house, state, self.policy, kind, seq, ts)
            said = (shown.status, shown.bids, shown.asks, shown.last_price, shown.reference, shown.opens_minute, shown.closes_minute)
            if self._depth_sent.get(kind) != said:
                self._depth_sent[kind] = said
                out.append(_public(topics.MARKET_DEPTH.format(kind=kind), shown))
        out += [_public(topics.MARKET_CLOCK.format(clock=c), views.clock_state(state, c, seq)) for c in clock_ids]
        out += [_public(topics.MARKET_ISSUE.format(issue=i), views.issue_state(state, i, seq)) for i in issue_ids]
        for key in orders:
            shown = views.open_order(state, key)
            if shown is None and key in placed:
                continue
            account, order_id = key.split("/", 1)
            topic = topics.USER_ORDERS.format(account=account, order=order_id)
            out.append(_public(topic, shown) if shown else Publication(topic, b"", retain=True))    # closed: cleared
        return out


def _public(topic: str, message: messages.Message, retain: bool = True) -> Publication:
    return Publication(topic, messages.encode(message), retain=retain)


def _answer(answer: ev.MarketAnswered, currency: str) -> Publication:
    status = "ok" if answer.ok else "rejected"
    if answer.account is None:
        body: messages.Message = messages.CommandResult(answer.ref, status, answer.code.name, answer.message, answer.seq)
        return Publication(topics.HOUSE_RESULT.format(), messages.encode(body))
    body = wire.OrderResult(answer.ref, status, answer.code.name, answer.message, answer.seq, answer.filled, answer.remaining,
                            answer.cost, answer.fees, currency)
    return Publication(topics.BIDDER_RESULT.format(account=answer.account), messages.encode(body))

