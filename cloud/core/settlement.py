"""What happens after the hammer: an order's money and units, through the ledger, step by step.

    hammer   the buyer's funds held (cash -> escrow) and the consignor's units held for the buyer,
             when the buyer has an account whose available funds cover the total; else it awaits payment
    paid     the hold posted, the buyer's funds taken, or the buyer's bank payment recorded: in escrow
    released delivered or collected (the desk), or the release period ran out (the house's clock):
             escrow pays the consignor hammer - commission, the house keeps premium - discount +
             commission, the units pass to the buyer (out of custody, for a buyer with no account)
    cancelled unpaid: every hold released, past its due date a default fee charged from what the buyer
             has available, and the lot offered again

Each step plans its transfers with Postings, so it happens whole or not at all, in the batch that
answers it. Transfer ids derive from the order id, so no step can move money twice. A house without
a ledger (the auction's own tests) only records the order's status, as before.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from cloud.core import events as ev
from cloud.core.arbiter import answer_command
from cloud.core.catalog import SettlementTerms
from cloud.core.commands import RunCommand, SettleOrder
from cloud.core.refusal import Refusal
from cloud.core.state import AuctionState
from cloud.core.views import invoice_text
from cloud.custody.events import ItemWithdrawn
from cloud.custody.state import CustodyState
from cloud.kernel.domain import House
from cloud.ledger.accounts import bank, custody, house_cash, quantity, units_ledger, user_cash, user_units
from cloud.ledger.events import ReferenceRecorded, UserNotified
from cloud.ledger.postings import Postings
from cloud.ledger.state import LedgerState
from shared.codes import Code
from shared.money import format_amount

HALL_ACTIONS = ("mark_paid", "cancel_order")      # the auctioneer's order steps (no release: that is the desk's)
DAY_MS = 86_400_000


def ledger_of(house: House) -> LedgerState | None:
    return house.states.get("ledger")


def custody_of(house: House) -> CustodyState | None:
    return house.states.get("custody")


def _in(sale: str, *events: Any) -> list[ev.InSale]:
    return [ev.InSale(sale, e) for e in events]


def _days(ms: int) -> str:
    days = ms / DAY_MS
    return f"{days:g} day{'s' if days != 1 else ''}" if ms >= DAY_MS else f"{ms // 1000:,} s"


# ---- after the auction's own events ------------------------------------------------------------

def follow(house: House, sale: str, state: AuctionState, events: list[Any], seq: int, ts: int) -> list[Any]:
    """The settlement's part of a batch of one sale's events: an order opened at its hammer, a
    reopened lot's holds released, a passed lot told to its consignor."""
    ledger = ledger_of(house)
    if ledger is None:
        return []
    out: list[Any] = []
    for event in events:
        if isinstance(event, ev.OrderCreated):
            out += _open(house, ledger, sale, state, event.order, seq, ts)
        elif isinstance(event, ev.OrderCancelled):              # the auctioneer reopened the lot
            settlement = house["auction"].settlements.get(event.order_id)
            if settlement is not None:
                plan = Postings(ledger, ts)
                _release_holds(plan, settlement, "lot reopened")
                out += plan.events()
        elif isinstance(event, ev.LotPassed):
            consignor = _consignor(house, state.lots[event.lot].spec.item)
            if consignor is not None:
                out.append(UserNotified(consignor, "order", f"Lot {event.lot} ({state.lots[event.lot].spec.title}) in sale "
                                                             f"{sale} was passed: {event.reason}.", seq))
    return out


def _consignor(house: House, item_id: str | None) -> str | None:
    custody_state = custody_of(house)
    item = custody_state.items.get(item_id) if custody_state and item_id else None
    return item.depositor if item else None


def _open(house: House, ledger: LedgerState, sale: str, state: AuctionState, order: ev.Order, seq: int, ts: int) -> list[Any]:
    terms = state.sale.terms  # type: ignore[union-attr]
    custody_state = custody_of(house)
    item_id = state.lots[order.lot].spec.item
    item = custody_state.items.get(item_id) if custody_state and item_id else None
    settlement = ev.Settlement(order.order_id, sale, order.account, item.depositor if item else None, item_id,
                               item.kind if item else None, item.quantity if item else 0, ts + terms.pay_within_ms)
    held: list[Any] = []
    if settlement.buyer is not None:
        try:
            plan = Postings(ledger, ts)
            funds = plan.pending(f"order:{order.order_id}:funds", user_cash(settlement.buyer, order.currency),
                                 house_cash("escrow", order.currency), order.total, f"order {order.order_id}")
            units = _hold_units(plan, settlement)
            settlement = dataclasses.replace(settlement, funds_hold=funds.id, units_hold=units)
            held = plan.events()
        except Refusal:
            pass                           # not enough available: the order awaits payment
    money = lambda minor: format_amount(minor, order.currency)  # noqa: E731
    out: list[Any] = [*held, ev.SettlementRecorded(settlement)]
    if settlement.buyer is not None:
        how = (f"{money(order.total)} is held from your funds until the house takes payment." if settlement.funds_hold else
               f"Please pay {money(order.total)} within {_days(terms.pay_within_ms)}: deposit funds, or pay by bank "
               f"transfer quoting {order.order_id}.")
        out.append(UserNotified(settlement.buyer, "order", f"{invoice_text(order)}\n{how}", seq))
    if settlement.consignor is not None:
        payout = order.hammer - terms.commission.of(order.hammer)
        out.append(UserNotified(settlement.consignor, "order", f"Lot {order.lot} ({order.title}) in sale {sale} sold for "
                                                               f"{money(order.hammer)}: {money(payout)} is paid to you "
                                                               "once the buyer has paid and the lot is released.", seq))
    return out


def _hold_units(plan: Postings, s: ev.Settlement) -> str | None:
    """Hold the consignor's units for the buyer (out of custody for a buyer with no account)."""
    if s.item is None or s.consignor is None or s.kind is None or s.consignor == s.buyer:
        return None
    to = user_units(s.buyer, s.kind) if s.buyer is not None else custody(s.kind)
    try:
        return plan.pending(f"order:{s.order_id}:units", user_units(s.consignor, s.kind), to, s.units, f"item {s.item}").id
    except Refusal as refusal:
        if refusal.code is Code.INSUFFICIENT_UNITS:
            raise Refusal(refusal.code, f"the consignor {s.consignor} no longer holds item {s.item}: {refusal.message}") from None
        raise


def _release_holds(plan: Postings, s: ev.Settlement, why: str) -> None:
    for step, hold in (("funds-void", s.funds_hold), ("units-void", s.units_hold)):
        if hold is not None:
            plan.void(f"order:{s.order_id}:{step}", hold, why)


# ---- the steps ---------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Step:
    """One order as a step needs it: its sale and the sale's terms, the order, and its settlement (None: no ledger)."""
    sale: str
    terms: SettlementTerms
    order: ev.Order
    settlement: ev.Settlement | None


def find(house: House, order_id: str, status: str, sale: str | None = None) -> Step:
    """The order, which must be in `sale` (if given) and have `status` (what the step needs): else the
    refusal says why. A closed sale's settled order is known by its final status only."""
    auctions = house["auction"]
    owner, settled = auctions.order_sales.get(order_id), auctions.settled_orders.get(order_id)
    if owner is None and settled is None:
        raise Refusal(Code.UNKNOWN_ORDER, f"order '{order_id}' does not exist")
    if sale is not None and owner != sale:
        raise Refusal(Code.UNKNOWN_ORDER, f"order '{order_id}' is not in sale {sale}")
    current = settled if owner is None else auctions.order(order_id).status
    if current != status:
        code = Code.ORDER_NOT_PENDING if status == "pending" else Code.ORDER_NOT_PAID
        raise Refusal(code, f"order {order_id} is {current}" + (", not paid" if status == "paid" else ""))
    assert owner is not None               # a settled order is released or cancelled: no step takes it
    live = auctions.sales.get(owner)
    terms = live.sale.terms if live is not None else auctions.unsettled[owner].terms
    return Step(owner, terms, auctions.order(order_id), auctions.settlements.get(order_id))


def pay(house: House, step: Step, reference: str | None, seq: int, ts: int) -> tuple[list[Any], str]:
    order, s = step.order, step.settlement
    ledger = ledger_of(house)
    if ledger is None or s is None:
        return _in(step.sale, ev.OrderPaid(order.order_id)), f"order {order.order_id} paid"
    plan = Postings(ledger, ts)
    escrow, paid_id = house_cash("escrow", order.currency), f"order:{order.order_id}:paid"
    recorded: list[Any] = []
    if reference:
        key = f"deposit:{reference}"
        if key in ledger.references:
            raise Refusal(Code.DUPLICATE_REFERENCE, f"{reference} is already recorded (transfer {ledger.references[key]})")
        if s.funds_hold is not None:
            plan.void(f"order:{order.order_id}:funds-void", s.funds_hold, f"paid by bank ({reference})")
        recorded = [ReferenceRecorded(key, plan.transfer(paid_id, bank(order.currency), escrow, order.total, reference).id)]
        how = f"by bank transfer ({reference})"
    elif s.funds_hold is not None:
        plan.post(paid_id, s.funds_hold)
        how = "from the funds held for it"
    elif s.buyer is not None:
        plan.transfer(paid_id, user_cash(s.buyer, order.currency), escrow, order.total, f"order {order.order_id}")
        how = "from available funds"
    else:
        raise Refusal(Code.REFERENCE_NEEDED, f"the buyer of {order.order_id} has no account: record their bank payment "
                                             "with its reference (./hall orders pay ORDER --reference REF)")
    units = s.units_hold or _hold_units(plan, s)
    release_after = step.terms.release_after_ms
    paid = dataclasses.replace(s, funds_hold=None, units_hold=units, release_at=ts + release_after)
    total = format_amount(order.total, order.currency)
    notices = [UserNotified(s.buyer, "order", f"Payment of {total} for order {order.order_id} (lot {order.lot}, "
                                              f"{order.title}) received {how}. The lot is yours on delivery or collection, "
                                              f"or in {_days(release_after)} at the latest.", seq)] if s.buyer else []
    return [*plan.events(), *recorded, ev.SettlementRecorded(paid), *_in(step.sale, ev.OrderPaid(order.order_id)), *notices], \
        f"order {order.order_id} paid {how}: {total} in escrow"


def release(house: House, step: Step, how: str, seq: int, ts: int) -> tuple[list[Any], str]:
    order, s = step.order, step.settlement
    ledger = ledger_of(house)
    if ledger is None or s is None:
        return _in(step.sale, ev.OrderReleased(order.order_id, how)), f"order {order.order_id} released"
    money = lambda minor: format_amount(minor, order.currency)  # noqa: E731
    commission = step.terms.commission.of(order.hammer) if s.consignor else order.hammer
    payout, net_premium = order.hammer - commission, order.premium - order.discount
    escrow, oid = house_cash("escrow", order.currency), order.order_id
    plan = Postings(ledger, ts)
    if net_premium < 0:                    # a press discount beyond the premium: the house bears it
        plan.transfer(f"order:{oid}:discount", house_cash("premium", order.currency), escrow, -net_premium, f"order {oid}")
    for step_id, credit, amount in (("payout", user_cash(s.consignor, order.currency) if s.consignor else None, payout),
                                    ("commission", house_cash("commission", order.currency), commission),
                                    ("premium", house_cash("premium", order.currency), net_premium)):
        if credit is not None and amount > 0:
            plan.transfer(f"order:{oid}:{step_id}", escrow, credit, amount, f"order {oid}")
    if s.units_hold is not None:
        plan.post(f"order:{oid}:delivered", s.units_hold, reference=how)
    collected = [ItemWithdrawn(s.item, s.consignor, f"order {oid}: {how}", ts)] if s.units_hold and s.buyer is None else []
    lot = f"lot {order.lot} ({order.title})"
    notices = []
    if s.buyer is not None:
        units = f": {quantity(s.units, units_ledger(s.kind))} now in your holdings" if s.units_hold else ""
        notices.append(UserNotified(s.buyer, "order", f"Order {oid}, {lot}, is released to you ({how}){units}.", seq))
    if s.consignor is not None:
        notices.append(UserNotified(s.consignor, "funds", f"Payout of {money(payout)} sent for {lot}: hammer {money(order.hammer)} "
                                                          f"less commission {money(commission)}.", seq))
    return [*plan.events(), *collected, *_in(step.sale, ev.OrderReleased(oid, how)), *notices], \
        f"order {oid} released ({how}): {money(payout)} to {s.consignor or 'the house (its own lot)'}"


def cancel(house: House, step: Step, reason: str, seq: int, ts: int) -> tuple[list[Any], str]:
    order, s = step.order, step.settlement
    oid, ledger = order.order_id, ledger_of(house)
    plan = Postings(ledger, ts) if ledger is not None else None
    fee, due = 0, 0
    if plan is not None and s is not None:
        _release_holds(plan, s, f"cancelled: {reason}")
        if ts > s.due_at and s.buyer is not None:
            due = step.terms.default_fee.of(order.total)
            cash = user_cash(s.buyer, order.currency)
            held = ledger.transfers[s.funds_hold].amount if s.funds_hold else 0   # type: ignore[union-attr]
            fee = min(due, ledger.account(cash).available + held)
            if fee > 0:
                plan.transfer(f"order:{oid}:fee", cash, house_cash("fees", order.currency), fee, f"default on order {oid}")
    money = lambda minor: format_amount(minor, order.currency)  # noqa: E731
    charged = (f" A default fee of {money(fee)} was charged" + (f" ({money(due)} was due; that is all you had available)."
                                                                  if fee < due else ".")) if due else ""
    closed = step.sale in house["auction"].closed
    again = "in a later sale" if closed else "again in this sale"
    notices = []
    if s is not None and s.buyer is not None:
        notices.append(UserNotified(s.buyer, "order", f"Order {oid} (lot {order.lot}, {order.title}) was cancelled: {reason}.{charged}", seq))
    if s is not None and s.consignor is not None:
        notices.append(UserNotified(s.consignor, "order", f"The buyer of lot {order.lot} ({order.title}) did not pay: the sale "
                                                          f"is cancelled and the lot will be offered {again}.", seq))
    events = [*(plan.events() if plan else []), *_in(step.sale, ev.OrderCancelled(oid, reason, fee), ev.LotReoffered(order.lot)), *notices]
    return events, f"order {oid} cancelled ({reason}); fee charged {money(fee)}; lot {order.lot} offered {again}"


# ---- who asks: the auctioneer, the house desk, the house's clock -------------------------------

def hall_command(house: House, sale: str, command: RunCommand, seq: int, ts: int) -> list[Any]:
    """The auctioneer's mark_paid (from the buyer's funds) and cancel_order, answered once to the hall."""
    c = command.command
    state = house["auction"].sales[sale]

    def run() -> tuple[list[Any], str]:
        step = find(house, c.order_id or "", "pending", sale)
        if c.action == "mark_paid":
            return pay(house, step, None, seq, ts)
        return cancel(house, step, c.text or "cancelled by the house", seq, ts)
    answered = answer_command(state, command, seq, run)
    return [*answered[:-1], ev.InSale(sale, answered[-1])]


def desk(house: House, command: SettleOrder, seq: int, ts: int) -> tuple[list[Any], str]:
    """The house desk's pay, release or cancel; raises Refusal with the reason."""
    step = find(house, command.order_id, "paid" if command.action == "release" else "pending")
    if command.action == "pay":
        return pay(house, step, command.reference, seq, ts)
    if command.action == "release":
        return release(house, step, command.reason or "delivered by the house", seq, ts)
    return cancel(house, step, command.reason or "not paid by its due date", seq, ts)


def due_releases(house: House, seq: int, ts: int) -> Iterator[Any]:
    """Paid orders whose release period has run out, released by the house's clock."""
    for order_id, release_at in list(house["auction"].releasing.items()):
        if release_at <= ts:
            events, _ = release(house, find(house, order_id, "paid"), "the release period ended", seq, ts)
            yield from events
