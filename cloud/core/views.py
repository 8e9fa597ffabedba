"""What the outside sees of the state: the public lot state, an invoice, the post-sale report. Pure."""
from __future__ import annotations

from collections.abc import Callable

from cloud.core import events as ev
from cloud.core.state import OPEN_STATUSES, AuctionState, LotRecord
from shared import messages
from shared.orders import OPEN_ORDERS_LISTED, OpenOrders, OrderLine
from shared.money import format_amount

HISTORY = 10   # accepted bids carried in the lot state for the auctioneer's screen


def leader(state: AuctionState, bid: ev.BidAccepted | None) -> messages.Leader | None:
    """The leader as the room should see them: paddle and name, or online handle and avatar."""
    if bid is None:
        return None
    if bid.bidder.startswith("paddle:"):
        paddle = int(bid.bidder.partition(":")[2])
        return messages.Leader(bid.channel, state.bidder_label(bid.bidder), paddle=paddle, name=state.paddles.get(paddle))
    account = bid.bidder.partition(":")[2]
    record = state.accounts.get(account)
    handle, avatar = (record.handle, record.avatar) if record else (account, None)
    return messages.Leader("online", handle, handle=handle, avatar=avatar)


def lot_state(state: AuctionState, seq: int, ts: int) -> messages.LotState | None:
    lot = state.lot
    if lot is None or state.sale is None:
        return None
    spec, english = lot.spec, lot.spec.kind == "english"
    biddable = lot.status in OPEN_STATUSES + ("paused",)
    asking = (lot.asking() if english else lot.dutch_price(ts)) if biddable else None
    increment = (asking - (lot.current_bid or asking)) if english and asking and lot.bids else None
    dutch = None
    if spec.dutch and lot.opened_ts is not None:
        d = spec.dutch
        dutch = messages.DutchClock(d.top, d.floor, lot.opened_ts, lot.dutch_end(), d.schedule, d.step_ms, lot.dutch_price(ts))
    jumps: tuple[int, ...] = ()
    if english and asking is not None:
        one_up = lot.asking_after(asking)
        jumps = (asking, one_up, lot.asking_after(one_up))
    history = tuple(messages.HistoryEntry(b.amount, state.bidder_label(b.bidder), b.channel, b.seq, b.ts) for b in lot.bids[-HISTORY:])
    avatars = tuple(avatar for account in sorted(state.present) if (avatar := state.accounts[account].avatar))[:12]
    upcoming = [record.spec.lot for record in state.upcoming()]
    return messages.LotState(
        sale=state.sale.sale, lot=spec.lot, title=spec.title, kind=spec.kind, status=lot.status,
        currency=state.sale.currency, asking=asking, current_bid=lot.current_bid, leader=leader(state, lot.leader),
        bids=len(lot.bids), reserve_met=lot.reserve_met(), seq=seq, estimate_low=spec.estimate_low,
        estimate_high=spec.estimate_high, description=spec.description, image=spec.image, increment=increment,
        dutch=dutch, online_bidders=len(state.present), next_lot=upcoming[0] if upcoming else None, jumps=jumps,
        history=history, online_avatars=avatars, hall_online=state.hall_online if state.hall_seen else None, at_ms=ts)


def catalog(state: AuctionState) -> messages.Catalog | None:
    """The run list as pages and screens show it: every lot in sale order, with its outcome."""
    if state.sale is None:
        return None
    lots = tuple(messages.CatalogLot(r.spec.lot, r.spec.title, r.spec.kind, r.status, r.spec.estimate_low, r.spec.estimate_high,
                                     r.current_bid if r.status == "sold" else None) for r in state.lots.values())
    return messages.Catalog(state.sale.sale, state.sale.currency, lots, state.current_lot)


def open_orders(order: Callable[[str], ev.Order], settlements: dict[str, ev.Settlement], seq: int) -> OpenOrders:
    """The orders the house desk still has to settle, oldest first (what `./hall orders list` prints);
    `order` finds a live order by its id, in an open sale or a closed one."""
    lines = []
    for s in list(settlements.values())[:OPEN_ORDERS_LISTED]:
        o = order(s.order_id)
        lines.append(OrderLine(o.order_id, s.sale, o.lot, o.title, o.buyer_label, s.buyer, s.consignor, o.currency, o.hammer,
                               o.total, o.status, s.funds_hold is not None, s.due_at, s.release_at))
    return OpenOrders(tuple(lines), len(settlements), seq)


def invoice_text(order: ev.Order) -> str:
    money = lambda minor: format_amount(minor, order.currency)  # noqa: E731
    lines = [
        f"INVOICE {order.order_id}  [{order.status.upper()}]",
        f"Buyer: {order.buyer_label} ({order.channel})" + (f", account {order.account}" if order.account else ""),
        f"Lot {order.lot}: {order.title}",
        f"  Hammer price        {money(order.hammer):>20}",
        f"  Buyer's premium     {money(order.premium):>20}",
    ]
    if order.discount:
        lines.append(f"  Press discount      {'-' + money(order.discount):>20}   "
                     f"({order.discount_bp / 100:.2f}% for {order.press_grams} g held {order.press_ms} ms)")
    lines.append(f"  Total due           {money(order.total):>20}")
    return "\n".join(lines)


def _result(state: AuctionState, lot: LotRecord) -> tuple[str, str, str, str]:
    currency = state.sale.currency  # type: ignore[union-attr]
    order = state.orders.get(lot.order_id) if lot.order_id else None
    if lot.status == "sold" and order:
        return "sold", format_amount(order.hammer, currency), order.buyer_label, order.channel
    if lot.status == "passed":
        return "passed", "-", f"({lot.pass_reason})", "-"
    return lot.status, "-", "-", "-"


def sale_report(state: AuctionState) -> str:
    """Every lot: result, hammer price, buyer, channel, late bids."""
    if state.sale is None:
        return "no sale"
    rows = [f"SALE {state.sale.sale} ({state.sale.currency})",
            f"{'lot':<6} {'result':<8} {'hammer':>16}  {'buyer':<32} {'channel':<8} late bids"]
    for lot in state.lots.values():
        result, hammer, buyer, channel = _result(state, lot)
        late = ", ".join(f"{state.bidder_label(b.bidder)} {format_amount(b.amount, state.sale.currency)} (+{b.ms_after_hammer} ms)"
                         for b in lot.late_bids) or "-"
        rows.append(f"{lot.spec.lot:<6} {result:<8} {hammer:>16}  {buyer:<32} {channel:<8} {late}")
    sold = [o for o in state.orders.values() if o.status != "cancelled"]
    rows.append(f"{len(sold)} sold of {len(state.lots)}; hammer total "
                f"{format_amount(sum(o.hammer for o in sold), state.sale.currency)}")
    return "\n".join(rows)
