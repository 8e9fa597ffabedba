"""The rules: `decide(state, stamped command) -> events`. Pure: reads state, no I/O, no clock.

Every input is validated fully before any event is produced (there is no rollback), and every
refusal is an event with a code that goes back to the sender. Tie rule: bids are judged in the
arbiter's sequence order, so of two bids naming the same asking price the one sequenced first
wins and the second is told the new asking price.

WAN outage: while the hall's link is down, online bids are held (HALL_OFFLINE), so the asking price
cannot move while the room is blind; presses made in the room meanwhile arrive in press order when
the link returns and are judged against that same asking price. A Dutch lot does not pass while
the room is cut off, and accepts the room's queued acceptances for grace_ms after it returns.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import singledispatch
from typing import Any

from cloud.core import accounts
from cloud.core import events as ev
from cloud.core.commands import BidOrder, Instruction, PlaceBid, RecordPress, RunCommand, SetHallLink, SetMax
from cloud.kernel.domain import Tick
from cloud.core.refusal import Refusal
from cloud.core.state import OPEN_STATUSES, AuctionState, LotRecord
from shared.codes import Code
from shared.money import basis_points


def decide(state: AuctionState, command: Any, seq: int, ts: int) -> list[Any]:
    """One sale's events for a command routed to it (the auction domain wraps and applies them)."""
    return _decide(command, state, seq, ts)


def next_deadline(state: AuctionState) -> int | None:
    """When the arbiter must be woken with a Tick even if nobody sends anything."""
    lot = state.lot
    if lot and lot.spec.kind == "dutch" and lot.status in OPEN_STATUSES:
        return lot.dutch_end() + 1
    return None


@singledispatch
def _decide(command: Any, state: AuctionState, seq: int, ts: int) -> list[Any]:
    raise TypeError(f"no rule decides {type(command).__name__}")


@_decide.register
def _(cmd: SetHallLink, state: AuctionState, seq: int, ts: int) -> list[Any]:
    if state.sale is None or cmd.hall != state.sale.hall:
        return []
    if cmd.up == state.hall_online:
        first = cmd.up and not state.hall_seen          # the room's first connection: nothing was held
        return [ev.HallLinkChanged(True, ts)] if first else []
    text = ("The room is back: bidding continues." if cmd.up else
            "The room's connection dropped: online bidding is held until it returns. Your place is kept.")
    return [ev.HallLinkChanged(cmd.up, ts), ev.MessageSent(text)]


@_decide.register
def _(cmd: Tick, state: AuctionState, seq: int, ts: int) -> list[Any]:
    deadline = next_deadline(state)
    if not state.hall_online or state.hall_grace(ts):
        return []                      # the room is cut off or still catching up: the lot waits
    if deadline is not None and ts >= deadline and state.current_lot:
        return [ev.LotPassed(state.current_lot, "the Dutch clock reached the floor with no acceptance")]
    return []


@_decide.register
def _(cmd: RecordPress, state: AuctionState, seq: int, ts: int) -> list[Any]:
    key = f"hall:{cmd.hall}/{cmd.press.bid_id}"
    if key in state.presses:
        return []
    return [ev.PressRecorded(key, cmd.press.peak_grams, cmd.press.duration_ms)]


# ---- bids ------------------------------------------------------------------------------------

@_decide.register
def _(cmd: PlaceBid, state: AuctionState, seq: int, ts: int) -> list[Any]:
    bid = cmd.bid
    key = f"{cmd.channel}:{cmd.source}/{bid.bid_id}"
    if key in state.answers:
        return [ev.BidAnsweredAgain(key)]
    try:
        bidder = _bidder(state, cmd, ts)
        return _judge(state, bid, bidder, cmd.channel, key, cmd.source, seq, ts)
    except Refusal as refusal:
        lot = state.lots.get(bid.lot)
        asking = lot.asking() if lot and lot.status in OPEN_STATUSES + ("paused",) and lot.spec.kind == "english" else None
        return [ev.BidRejected(bid.lot, bid.bid_id, key, refusal.code, refusal.message, bid.amount,
                               asking, seq, cmd.source, cmd.channel, bid.paddle)]


def _bidder(state: AuctionState, cmd: PlaceBid, ts: int) -> str:
    if cmd.channel in ("hall", "floor"):
        if cmd.bid.paddle is None:
            raise Refusal(Code.UNKNOWN_PADDLE, "a hall bid must name its paddle")
        if cmd.bid.paddle not in state.paddles:
            raise Refusal(Code.UNKNOWN_PADDLE, f"paddle {cmd.bid.paddle} is not registered for this sale")
        accounts.within_limit(state, state.paddle_accounts.get(cmd.bid.paddle), cmd.bid.amount)
        return f"paddle:{cmd.bid.paddle}"
    accounts.may_bid(state, cmd.source, cmd.bid.amount, ts)
    return f"online:{cmd.source}"


def _judge(state: AuctionState, bid: BidOrder, bidder: str, channel: str, key: str,
           source: str, seq: int, ts: int) -> list[Any]:
    lot = _lot(state, bid.lot)
    money = state.money
    lot_currency = state.sale.currency  # type: ignore[union-attr]
    if bid.currency != lot_currency:
        raise Refusal(Code.CURRENCY_MISMATCH, f"this sale is in {lot_currency}, not {bid.currency}")
    if lot.status == "sold" and lot.hammered_ts is not None and ts - lot.hammered_ts <= state.sale.grace_ms:  # type: ignore[union-attr]
        late = ts - lot.hammered_ts
        text = f"late: lot {lot.spec.lot} was sold {late} ms before your bid of {money(bid.amount)}"
        return [ev.LateBidRecorded(lot.spec.lot, bid.bid_id, key, bidder, channel, bid.amount, late, text, seq, source, bid.paddle)]
    _require_biddable(lot)
    if channel == "online" and not state.hall_online:
        raise Refusal(Code.HALL_OFFLINE, "the room's connection dropped: bidding is held until it returns")
    if lot.spec.kind == "dutch":
        return _judge_dutch(state, lot, bid, bidder, channel, key, source, seq, ts)
    asking = lot.asking()
    if lot.leader and lot.leader.bidder == bidder:
        raise Refusal(Code.ALREADY_LEADING, f"you already lead at {money(lot.leader.amount)}")
    if bid.amount < asking:
        what = "outbid: asking is now" if lot.bids else "below the opening price: asking is"
        raise Refusal(Code.BELOW_ASKING, f"{what} {money(asking)}")
    if bid.amount > asking * state.sale.max_bid_multiple:  # type: ignore[union-attr]
        raise Refusal(Code.AMOUNT_ABSURD, f"{money(bid.amount)} is more than {state.sale.max_bid_multiple}x the asking "  # type: ignore[union-attr]
                                          f"price of {money(asking)}; ask the auctioneer if you mean it")
    covering = _strongest(lot.maxima.values(), exclude=bidder, at_least=bid.amount)
    if covering and lot.asking_after(bid.amount) > covering.amount:
        # An earlier maximum covers this amount and cannot go above it: the maximum holds it.
        book = _book_bid(state, lot, covering, bid.amount, seq, ts, 0)
        after = lot.asking_after(bid.amount)
        refused = ev.BidRejected(lot.spec.lot, bid.bid_id, key, Code.BELOW_ASKING,
                                 f"an earlier maximum holds {money(bid.amount)}: asking is now {money(after)}",
                                 bid.amount, after, seq, source, channel, bid.paddle)
        return [refused, book]
    accepted = ev.BidAccepted(lot.spec.lot, bid.bid_id, key, bidder, channel, bid.amount,
                              lot.asking_after(bid.amount), seq, ts, source, bid.paddle)
    return [accepted, *_book(state, lot, list(lot.maxima.values()), bidder, bid.amount, seq, ts)]


def _judge_dutch(state: AuctionState, lot: LotRecord, bid: BidOrder, bidder: str, channel: str,
                 key: str, source: str, seq: int, ts: int) -> list[Any]:
    dutch = lot.spec.dutch
    assert dutch is not None
    room_catching_up = channel in ("hall", "floor") and state.hall_grace(ts)
    if ts > lot.dutch_end() and not room_catching_up:
        raise Refusal(Code.DUTCH_ENDED, f"the clock reached the floor of {state.money(dutch.floor)}; the lot is passed")
    price = dutch.floor if room_catching_up and ts > lot.dutch_end() else lot.dutch_price(ts)
    if bid.amount > dutch.top:
        raise Refusal(Code.ABOVE_TOP_PRICE, f"{state.money(bid.amount)} is above the top price of {state.money(dutch.top)}")
    if bid.amount < price:
        raise Refusal(Code.BELOW_ASKING, f"the clock is at {state.money(price)}")
    accepted = ev.BidAccepted(lot.spec.lot, bid.bid_id, key, bidder, channel, bid.amount, None, seq, ts, source, bid.paddle)
    return [accepted, *_sell(state, lot, accepted, seq, ts)]


# ---- maxima: proxy (online) and absentee (left with the house for a paddle) bids -------------

def _strongest(maxima: Any, exclude: str | None, at_least: int) -> ev.MaxRegistered | None:
    """The maximum that would bid: the highest at or above `at_least`, the earliest among equals."""
    able = sorted((m for m in maxima if m.bidder != exclude and m.amount >= at_least), key=lambda m: (-m.amount, m.seq))
    return able[0] if able else None


def _book_bid(state: AuctionState, lot: LotRecord, maximum: ev.MaxRegistered, amount: int, seq: int, ts: int, n: int) -> ev.BidAccepted:
    paddle = int(maximum.bidder.partition(":")[2]) if maximum.bidder.startswith("paddle:") else None
    return ev.BidAccepted(lot.spec.lot, f"max-{seq}-{n}", f"book:{maximum.bidder}/{lot.spec.lot}/{seq}-{n}", maximum.bidder,
                          maximum.channel, amount, lot.asking_after(amount), seq, ts, "book", paddle)


def _book(state: AuctionState, lot: LotRecord, maxima: list[ev.MaxRegistered], leader: str | None, current: int | None,
          seq: int, ts: int) -> list[ev.BidAccepted]:
    """The bids the house makes for maxima after the lot reached (leader, current): the strongest
    maximum ends leading at the lowest amount that beats the current bid and every other maximum;
    the runner-up is shown bidding its own maximum first. Equal maxima: the earlier holds the amount."""
    asking = lot.asking_after(current) if current is not None else max(lot.spec.opening, 1)
    winner = _strongest(maxima, None, asking)
    if winner is None:
        return []
    runner = _strongest([m for m in maxima if m.bidder != winner.bidder], None, asking)
    if runner is None:
        return [] if winner.bidder == leader else [_book_bid(state, lot, winner, asking, seq, ts, 0)]
    events = []
    if runner.amount < winner.amount and runner.bidder != leader:
        events.append(_book_bid(state, lot, runner, runner.amount, seq, ts, 0))
    price = winner.amount if runner.amount == winner.amount else min(winner.amount, lot.asking_after(runner.amount))
    if not (winner.bidder == leader and not events):
        events.append(_book_bid(state, lot, winner, price, seq, ts, 1))
    return events


@_decide.register
def _(cmd: SetMax, state: AuctionState, seq: int, ts: int) -> list[Any]:
    order = cmd.max_bid
    key = f"max:{cmd.account}/{order.bid_id}"
    if key in state.answers:
        return [ev.BidAnsweredAgain(key)]
    bidder = f"online:{cmd.account}"
    try:
        accounts.may_bid(state, cmd.account, order.amount, ts)
        return _register_max(state, order.lot, bidder, order.amount, order.currency, key, cmd.account, "online", order.bid_id, seq, ts)
    except Refusal as refusal:
        return [ev.BidRejected(order.lot, order.bid_id, key, refusal.code, refusal.message, order.amount, None, seq, cmd.account, "online")]


def _register_max(state: AuctionState, lot_id: str, bidder: str, amount: int, currency: str, key: str, source: str,
                  channel: str, bid_id: str, seq: int, ts: int) -> list[Any]:
    lot = _lot(state, lot_id)
    if currency != state.sale.currency:  # type: ignore[union-attr]
        raise Refusal(Code.CURRENCY_MISMATCH, f"this sale is in {state.sale.currency}, not {currency}")  # type: ignore[union-attr]
    if lot.status in ("sold", "passed") or lot.spec.kind != "english":
        raise Refusal(Code.LOT_CLOSED, f"lot {lot.spec.lot} takes no maximum ({lot.status}, {lot.spec.kind})")
    open_now = lot.status in OPEN_STATUSES
    floor = lot.asking() if open_now else max(lot.spec.opening, 1)
    if amount < floor:
        raise Refusal(Code.BELOW_ASKING, f"a maximum must be at least the asking price of {state.money(floor)}")
    registered = ev.MaxRegistered(lot.spec.lot, bidder, amount, seq, key, source, channel, bid_id)
    maxima = [m for m in lot.maxima.values() if m.bidder != bidder] + [registered]
    leader = lot.leader.bidder if lot.leader else None
    return [registered, *(_book(state, lot, maxima, leader, lot.current_bid, seq, ts) if open_now else [])]


def _lot(state: AuctionState, lot_id: str | None) -> LotRecord:
    lot = state.lots.get(lot_id or state.current_lot or "")
    if lot is None:
        raise Refusal(Code.UNKNOWN_LOT, f"lot '{lot_id}' is not in this sale" if lot_id else "no lot is open")
    return lot


def _require_biddable(lot: LotRecord) -> None:
    name = lot.spec.lot
    if lot.status == "pending":
        raise Refusal(Code.LOT_NOT_OPEN, f"lot {name} is not open yet")
    if lot.status == "paused":
        raise Refusal(Code.LOT_PAUSED, f"lot {name} is paused; wait for the auctioneer")
    if lot.status in ("sold", "passed"):
        raise Refusal(Code.LOT_CLOSED, f"lot {name} is {lot.status}")


def _sell(state: AuctionState, lot: LotRecord, winner: ev.BidAccepted, seq: int, ts: int) -> list[Any]:
    sale = state.sale
    assert sale is not None
    press = state.presses.get(winner.key) if winner.channel == "hall" else None
    grams, ms = (press.peak_grams, press.duration_ms) if press else (0, 0)
    discount_bp = sale.discount.earned_bp(grams, ms) if press else 0
    discount = sale.discount.discount(winner.amount, grams, ms) if press else 0
    premium = basis_points(winner.amount, sale.premium_bp)
    order = ev.Order(f"{sale.sale}-{lot.spec.lot}-{seq}", lot.spec.lot, lot.spec.title, winner.bidder,
                     state.bidder_label(winner.bidder), winner.channel, sale.currency, winner.amount, premium,
                     discount, discount_bp, winner.amount + premium - discount,
                     press_grams=press.peak_grams if press else None, press_ms=press.duration_ms if press else None,
                     account=state.account_of(winner.bidder))
    return [ev.LotHammered(lot.spec.lot, winner.bidder, winner.amount, ts), ev.OrderCreated(order)]


# ---- auctioneer commands -----------------------------------------------------------------------

@_decide.register
def _(cmd: RunCommand, state: AuctionState, seq: int, ts: int) -> list[Any]:
    return answer_command(state, cmd, seq, lambda: ACTIONS[cmd.command.action](state, cmd.command, cmd.hall, seq, ts))


def answer_command(state: AuctionState, cmd: RunCommand, seq: int, run: Callable[[], tuple[list[Any], str]]) -> list[Any]:
    """An auctioneer's command answered once: `run()` gives its events and the sentence for the hall,
    or raises Refusal; the same command_id again gets the original answer and changes nothing."""
    command = cmd.command
    key = f"{cmd.hall}/{command.command_id}"
    if key in state.command_answers:
        return [ev.CommandAnsweredAgain(key)]
    try:
        events, message = run()
        answer = ev.CommandAnswered(key, command.command_id, cmd.hall, True, Code.OK, message, seq)
    except Refusal as refusal:
        events, answer = [], ev.CommandAnswered(key, command.command_id, cmd.hall, False, refusal.code, refusal.message, seq)
    return [*events, answer]


def _open_lot(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    current = state.lot
    if current and current.status in OPEN_STATUSES + ("paused",):
        raise Refusal(Code.LOT_ALREADY_OPEN, f"lot {current.spec.lot} is still open: hammer or pass it first")
    if c.lot is None:
        upcoming = state.upcoming()
        if not upcoming:
            raise Refusal(Code.UNKNOWN_LOT, "every lot in the run list has been offered")
        lot = upcoming[0]
    else:
        lot = _lot(state, c.lot)
        if lot.status != "pending":
            raise Refusal(Code.LOT_ALREADY_OPEN, f"lot {lot.spec.lot} was already offered ({lot.status})")
    book = _book(state, lot, list(lot.maxima.values()), None, None, seq, ts) if lot.spec.kind == "english" else []
    return [ev.LotOpened(lot.spec.lot, ts), *book], f"lot {lot.spec.lot} open"


def _open_english(state: AuctionState) -> LotRecord:
    lot = _current_open(state)
    if lot.spec.kind != "english":
        raise Refusal(Code.BAD_COMMAND, "a Dutch lot runs on its clock; asking and increments do not apply")
    return lot


def _current_open(state: AuctionState, paused_ok: bool = False) -> LotRecord:
    lot = state.lot
    allowed = OPEN_STATUSES + (("paused",) if paused_ok else ())
    if lot is None or lot.status not in allowed:
        raise Refusal(Code.LOT_NOT_OPEN, "no lot is open")
    return lot


def _set_asking(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    lot = _open_english(state)
    if c.amount is None:
        raise Refusal(Code.BAD_COMMAND, "set_asking needs an amount")
    if lot.current_bid is not None and c.amount <= lot.current_bid:
        raise Refusal(Code.BAD_COMMAND, f"asking must be above the current bid of {state.money(lot.current_bid)}")
    return [ev.AskingSet(lot.spec.lot, c.amount)], f"asking is {state.money(c.amount)}"


def _set_increment(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    lot = _open_english(state)
    base = lot.current_bid if lot.current_bid is not None else lot.asking()
    band = lot.ladder.band_index(base)
    if c.factor == "ladder" or (c.factor is None and c.amount is None):
        return [ev.IncrementSet(lot.spec.lot, None, band)], "increments follow the ladder"
    step = lot.ladder.next_rung(base) - base
    increment = c.amount if c.factor is None else max(1, step // 2) if c.factor == "half" else step * 2
    assert increment is not None
    return [ev.IncrementSet(lot.spec.lot, increment, band)], f"increment {state.money(increment)} until the next band"


def _fair_warning(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    lot = _current_open(state)
    return [ev.FairWarningGiven(lot.spec.lot)], "fair warning"


def _hammer(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    lot = _current_open(state)
    if lot.leader is None:
        raise Refusal(Code.NO_BIDS, "no bids to sell to: pass the lot instead")
    if not lot.reserve_met():
        raise Refusal(Code.RESERVE_NOT_MET, f"the high bid of {state.money(lot.leader.amount)} is below the reserve: lift the reserve or pass")
    return _sell(state, lot, lot.leader, seq, ts), f"sold to {state.bidder_label(lot.leader.bidder)} for {state.money(lot.leader.amount)}"


def _pass(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    lot = _current_open(state, paused_ok=True)
    return [ev.LotPassed(lot.spec.lot, c.text or "passed by the auctioneer")], f"lot {lot.spec.lot} passed"


def _reopen(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    lot = _lot(state, c.lot)
    if lot.spec.lot != state.current_lot or lot.status not in ("sold", "passed"):
        raise Refusal(Code.CANNOT_REOPEN, "only the last lot offered can be reopened, once it is sold or passed")
    if lot.spec.kind == "dutch":
        raise Refusal(Code.CANNOT_REOPEN, "a Dutch lot cannot be reopened: its clock has run")
    if lot.order_id and state.orders[lot.order_id].status != "pending":
        raise Refusal(Code.CANNOT_REOPEN, f"order {lot.order_id} is {state.orders[lot.order_id].status}: the buyer's money "
                                          "moved, so the sale stands (the house desk settles it)")
    cancel = [ev.OrderCancelled(lot.order_id, "lot reopened")] if lot.order_id else []
    return [*cancel, ev.LotReopened(lot.spec.lot)], f"lot {lot.spec.lot} reopened"


def _retract(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    lot = _current_open(state, paused_ok=True)
    if lot.leader is None:
        raise Refusal(Code.NOTHING_TO_RETRACT, "there is no bid to retract")
    retracted = ev.BidRetracted(lot.spec.lot, lot.leader.bid_id)
    previous = lot.bids[-2] if len(lot.bids) > 1 else None
    leader, current = (previous.bidder, previous.amount) if previous else (None, None)
    # The lead changed hands: the maxima answer it, as after every accepted bid.
    bidding = lot.spec.kind == "english" and lot.status in OPEN_STATUSES
    book = _book(state, lot, list(lot.maxima.values()), leader, current, seq, ts) if bidding else []
    return [retracted, *book], f"bid of {state.money(lot.leader.amount)} retracted"


def _pause(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    lot = _current_open(state)
    return [ev.LotPaused(lot.spec.lot)], "paused"


def _resume(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    lot = state.lot
    if lot is None or lot.status != "paused":
        raise Refusal(Code.NOT_PAUSED, "nothing is paused")
    return [ev.LotResumed(lot.spec.lot)], "resumed"


def _lift_reserve(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    lot = _current_open(state, paused_ok=True)
    return [ev.ReserveLifted(lot.spec.lot)], "reserve lifted"


def _floor_bid(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    lot = _current_open(state)
    amount = c.amount if c.amount is not None else lot.asking() if lot.spec.kind == "english" else lot.dutch_price(ts)
    bid = BidOrder(bid_id=c.command_id, lot=lot.spec.lot, amount=amount, currency=state.sale.currency, paddle=c.paddle)  # type: ignore[union-attr]
    events = _decide(PlaceBid(bid, "floor", hall), state, seq, ts)
    rejected = [e for e in events if isinstance(e, ev.BidRejected)]
    if rejected:
        raise Refusal(rejected[0].code, rejected[0].message)
    return events, f"floor bid {state.money(amount)} for paddle {c.paddle}"


def _set_max(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    if c.paddle is None or c.amount is None or c.paddle not in state.paddles:
        raise Refusal(Code.BAD_COMMAND, "set_max needs a registered paddle and an amount")
    lot_id = c.lot or state.current_lot or ""
    accounts.within_limit(state, state.paddle_accounts.get(c.paddle), c.amount)
    events = _register_max(state, lot_id, f"paddle:{c.paddle}", c.amount, state.sale.currency, "", hall, "floor", c.command_id, seq, ts)  # type: ignore[union-attr]
    return events, f"absentee maximum {state.money(c.amount)} for paddle {c.paddle} on lot {lot_id}"


def _message(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    if not c.text:
        raise Refusal(Code.BAD_COMMAND, "message needs text")
    return [ev.MessageSent(c.text)], "message sent"


def _register_paddle(state: AuctionState, c: Instruction, hall: str, seq: int, ts: int) -> tuple[list[Any], str]:
    if c.paddle is None or not c.name:
        raise Refusal(Code.BAD_COMMAND, "register_paddle needs paddle and name")
    if c.paddle in state.paddles:
        raise Refusal(Code.DUPLICATE_REGISTRATION, f"paddle {c.paddle} is already registered to {state.paddles[c.paddle]}")
    if c.account and c.account not in state.accounts:
        raise Refusal(Code.UNKNOWN_BIDDER, f"account '{c.account}' is not registered")
    linked = f" (account {c.account})" if c.account else ""
    return [ev.PaddleRegistered(c.paddle, c.name, c.account)], f"paddle {c.paddle} registered to {c.name}{linked}"


ACTIONS = {
    "open_lot": _open_lot, "set_asking": _set_asking, "set_increment": _set_increment,
    "fair_warning": _fair_warning, "hammer": _hammer, "pass": _pass, "reopen": _reopen,
    "retract": _retract, "pause": _pause, "resume": _resume, "lift_reserve": _lift_reserve,
    "floor_bid": _floor_bid, "message": _message, "register_paddle": _register_paddle,
    "set_max": _set_max,
}   # mark_paid and cancel_order move money: the settlement decides them (settlement.HALL_ACTIONS)
