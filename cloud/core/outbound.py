"""Events to publications: which message goes to which topic. The one map from decisions to the wire."""
from __future__ import annotations

from typing import Any

from cloud.core import events as ev
from cloud.core.state import AuctionState
from cloud.core.views import catalog, invoice_text, lot_state
from cloud.kernel.domain import Publication
from shared import messages, topics
from shared.messages import encode


# Events after which the public lot state has changed and is published again (retained).
LOT_CHANGING = (ev.LotOpened, ev.BidAccepted, ev.MaxRegistered, ev.AskingSet, ev.IncrementSet, ev.FairWarningGiven, ev.LotPaused,
                ev.LotResumed, ev.ReserveLifted, ev.BidRetracted, ev.LotHammered, ev.LotPassed, ev.LotReopened,
                ev.HallLinkChanged, ev.LotReoffered)
# Events after which the run list (retained) is published again.
CATALOG_CHANGING = (ev.SaleStarted, ev.LotOpened, ev.LotHammered, ev.LotPassed, ev.LotReopened, ev.OrderCancelled)


def reply_topic(channel: str, source: str) -> str:
    """Where the sender of a bid or command hears back: its hall's or its own result topic."""
    if channel == "online":
        return topics.BIDDER_RESULT.format(account=source)
    return topics.HALL_RESULT.format(hall=source)


def bid_result(state: AuctionState | None, answer: ev.BidAccepted | ev.BidRejected | ev.LateBidRecorded | ev.MaxRegistered) -> Publication:
    currency = state.sale.currency if state and state.sale else None
    if isinstance(answer, ev.MaxRegistered):
        body = messages.BidResult(answer.bid_id, answer.lot, "accepted", "OK",
                                  f"maximum of {state.money(answer.amount)} registered: the house bids for you up to it, "
                                  "and an earlier equal maximum wins", answer.seq, answer.amount, None, currency)
    elif isinstance(answer, ev.BidAccepted):
        body = messages.BidResult(answer.bid_id, answer.lot, "accepted", "ACCEPTED",
                                  f"accepted: you lead at {state.money(answer.amount)}", answer.seq,
                                  answer.amount, answer.asking_after, currency, answer.paddle)
    elif isinstance(answer, ev.LateBidRecorded):
        body = messages.BidResult(answer.bid_id, answer.lot, "late", "LATE_BID", answer.message, answer.seq,
                                  answer.amount, None, currency, answer.paddle)
    else:
        body = messages.BidResult(answer.bid_id, answer.lot, "rejected", answer.code.name, answer.message, answer.seq,
                                  answer.amount, answer.asking, currency, answer.paddle)
    return Publication(reply_topic(answer.channel, answer.source), encode(body))


def publications(state: AuctionState, events: list[Any]) -> list[Publication]:
    """What to publish for one command's events, given the state after them."""
    out: list[Publication] = []
    sale = state.sale
    for event in events:
        if isinstance(event, (ev.BidAccepted, ev.BidRejected, ev.LateBidRecorded)) and event.channel != "floor" and event.source != "book":
            out.append(bid_result(state, event))
        elif isinstance(event, ev.MaxRegistered) and event.key:
            out.append(bid_result(state, event))
        elif isinstance(event, ev.BidAnsweredAgain):
            original = state.answers[event.key]
            if original.channel != "floor" and original.source != "book":
                out.append(bid_result(state, original))
        elif isinstance(event, ev.CommandAnswered):
            out.append(command_result(event))
        elif isinstance(event, ev.CommandAnsweredAgain):
            out.append(command_result(state.command_answers[event.key]))
        if sale is None:
            continue
        if isinstance(event, ev.LateBidRecorded):
            notice = messages.Notice("late_bid", f"{state.bidder_label(event.bidder)}: {event.message}", event.lot, event.seq)
            out.append(Publication(topics.HALL_NOTICE.format(hall=sale.hall), encode(notice)))
        elif isinstance(event, ev.OrderCreated):
            notice = messages.Notice("order", invoice_text(event.order), event.order.lot)
            out.append(Publication(topics.HALL_NOTICE.format(hall=sale.hall), encode(notice)))
        elif isinstance(event, ev.MessageSent):
            out.append(Publication(topics.SALE_MESSAGE.format(sale=sale.sale), encode(messages.Notice("message", event.text))))
    return out


def command_result(answer: ev.CommandAnswered) -> Publication:
    body = messages.CommandResult(answer.command_id, "ok" if answer.ok else "rejected", answer.code.name, answer.message, answer.seq)
    return Publication(topics.HALL_RESULT.format(hall=answer.hall), encode(body))


def unrouted(answer: ev.BidRejected | ev.CommandAnswered) -> Publication:
    """The answer to a bid or command that names no sale this house runs."""
    return command_result(answer) if isinstance(answer, ev.CommandAnswered) else bid_result(None, answer)


def catalog_publication(state: AuctionState) -> Publication | None:
    body = catalog(state)
    return None if body is None else Publication(topics.SALE_CATALOG.format(sale=body.sale), encode(body), retain=True)


def lot_publication(state: AuctionState, seq: int, ts: int) -> Publication | None:
    body = lot_state(state, seq, ts)
    if body is None or state.sale is None:
        return None
    return Publication(topics.LOT_STATE.format(sale=state.sale.sale), encode(body), retain=True)
