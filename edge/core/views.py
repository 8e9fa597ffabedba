"""What each screen shows, as data: a pure function of the hall box's state. Renderers only draw this.

Text is formatted here (money, names, states), so tests can check what a person reads without
pixels, and the pixel tests only need to check that the renderer drew it.
"""
from __future__ import annotations

from dataclasses import dataclass

from edge.core.hall import HallState, PaddleState, Touch
from edge.core.press import PressPolicy
from shared import messages
from shared.dutch import price_now
from shared.money import format_amount

BANNERS = {"pending": "NOT YET OPEN", "open": "OPEN", "fair_warning": "FAIR WARNING", "paused": "PAUSED",
           "sold": "SOLD", "passed": "PASSED"}
CLOSED = ("sold", "passed")


@dataclass(frozen=True)
class LeaderView:
    label: str
    channel: str
    avatar: str | None
    paddle: int | None


@dataclass(frozen=True)
class ClockView:
    price: str
    remaining: float              # 1.0 at the top price, 0.0 at the floor


@dataclass(frozen=True)
class MainView:
    lot: str
    title: str
    description: str
    estimate: str
    image: str | None
    current: str
    asking: str
    leader: LeaderView | None
    status: str
    banner: str
    clock: ClockView | None
    online: int
    avatars: tuple[str, ...]
    link: str
    link_ok: bool
    current_caption: str = "Current bid"      # Hammer price | Highest bid once the lot closed
    leader_caption: str = "Leading"           # Bought by, once sold
    reason: str = ""                          # why a closed lot closed as it did


@dataclass(frozen=True)
class PaddleView:
    number: int
    holder: str
    headline: str
    detail: str
    tone: str                     # lead | outbid | closed | pending | neutral | won
    bids: tuple[str, ...]
    force: float                  # 0..1 of the bar
    tier: int
    marks: tuple[float, float]    # where firm and hard sit on the bar
    pressed: bool
    mirror: MainView | None = None
    banner: str = ""              # the room's call every paddle shows (FAIR WARNING)


@dataclass(frozen=True)
class BidLine:
    """One accepted bid on the auctioneer's list; the channel travels as a field (it picks the colour)."""
    text: str
    channel: str                  # hall | online | floor


@dataclass(frozen=True)
class NoticeLine:
    time: str                     # HH:MM:SS, local to the room ("" before it was dated)
    text: str                     # whole: the renderer wraps it, never cuts it


@dataclass(frozen=True)
class AuctioneerView:
    run_list: tuple[tuple[str, str, str], ...]      # lot, title, status
    lot: str
    reserve: str
    asking: str
    history: tuple[BidLine, ...]
    online: str
    intents: tuple[str, ...]
    notices: tuple[NoticeLine, ...]                 # newest first
    link: str
    link_ok: bool
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Views:
    """Everything the screens show at one moment."""
    main: MainView
    auctioneer: AuctioneerView
    paddles: dict[int, PaddleView]


KEYS = ("O open next lot", "F fair warning", "H hammer", "P pass", "R reopen", "B retract last bid",
        "Z pause / resume", "L lift reserve", "[ half increment", "] double increment", "\\ back to ladder",
        "1-9 press paddle (Shift: hard)")


def _money(lot: messages.LotState | None, minor: int | None) -> str:
    return format_amount(minor, lot.currency) if lot is not None and minor is not None else "-"


def link_text(state: HallState, now: float) -> tuple[str, bool]:
    if state.link_up:
        return "cloud link up", True
    waiting = f"; {state.waiting} bid{'s' if state.waiting != 1 else ''} kept, sent when it returns" if state.waiting else ""
    return f"cloud link DOWN for {max(0, int(now - state.link_since))} s{waiting}", False


def outcome(lot: messages.LotState) -> tuple[str, str]:
    """A closed lot's result and its reason, derived from the lot state: (banner, reason)."""
    if lot.status == "sold" and lot.leader is not None:
        how = "accepted on the Dutch clock" if lot.kind == "dutch" else "the highest bid at the hammer"
        return f"SOLD to {lot.leader.label} for {_money(lot, lot.current_bid)}", how
    if lot.status == "passed":
        if not lot.bids:
            return "PASSED", "the clock reached its floor with no acceptance" if lot.kind == "dutch" else "no bids"
        if not lot.reserve_met:
            return "PASSED", f"reserve not met: highest bid {_money(lot, lot.current_bid)}"
        return "PASSED", "passed by the auctioneer"
    return BANNERS.get(lot.status, lot.status.upper()), ""


def main_view(state: HallState, now: float, now_ms: int) -> MainView:
    lot = state.lot
    link, ok = link_text(state, now)
    if lot is None:
        return MainView("", "Waiting for the first lot", "", "", None, "-", "", None, "pending", BANNERS["pending"],
                        None, 0, (), link, ok)
    closed = lot.status in CLOSED
    leader = lot.leader if lot.status != "passed" else None
    leader_view = LeaderView(leader.label, leader.channel, leader.avatar, leader.paddle) if leader else None
    banner, reason = outcome(lot)
    clock = None
    if lot.dutch is not None and not closed:
        price = price_now(lot, now_ms) or lot.dutch.floor
        span = max(1, lot.dutch.top - lot.dutch.floor)
        clock = ClockView(_money(lot, price), max(0.0, min(1.0, (price - lot.dutch.floor) / span)))
    estimate = (f"Estimate {_money(lot, lot.estimate_low)} - {_money(lot, lot.estimate_high)}"
                if lot.estimate_low is not None and lot.estimate_high is not None else "")
    asking = f"Asking {_money(lot, lot.asking)}" if lot.asking is not None and lot.kind == "english" and not closed else ""
    captions = {"sold": ("Hammer price", "Bought by"), "passed": ("Highest bid", "")}.get(lot.status, ("Current bid", "Leading"))
    current = _money(lot, lot.current_bid) if lot.current_bid is not None else "no bid yet"
    return MainView(f"Lot {lot.lot}", lot.title, lot.description, estimate, lot.image, current,
                    asking, leader_view, lot.status, banner, clock, lot.online_bidders, lot.online_avatars, link, ok,
                    captions[0], captions[1], reason)


def _headline(paddle: PaddleState, lot: messages.LotState | None, link_ok: bool, now_ms: int) -> tuple[str, str, str]:
    mine = [b for b in paddle.bids if lot is not None and b.lot == lot.lot]
    leading = lot is not None and lot.leader is not None and lot.leader.paddle == paddle.number and lot.leader.channel != "online"
    if lot is None:
        return "NO LOT OPEN", paddle.feedback, "closed"
    if lot.status == "sold":
        return ("SOLD TO YOU", f"for {_money(lot, lot.current_bid)}", "won") if leading else ("LOT CLOSED", f"sold for {_money(lot, lot.current_bid)}", "closed")
    if lot.status == "passed":
        return "LOT CLOSED", f"passed: {outcome(lot)[1]}", "closed"
    if lot.status == "pending":
        return "LOT CLOSED", BANNERS[lot.status].lower(), "closed"
    if mine and mine[-1].status in ("queued", "sent"):
        detail = "kept until the link returns" if not link_ok else f"{_money(lot, mine[-1].amount)}, waiting for the arbiter"
        return "BID SENT" if link_ok else "BID KEPT", detail, "pending"
    price = f"{'clock at' if lot.kind == 'dutch' else 'asking'} {_money(lot, price_now(lot, now_ms))}"
    if leading:
        return "YOU LEAD", f"at {_money(lot, lot.current_bid)}", "lead"
    if mine and mine[-1].status == "rejected":
        return "NOT ACCEPTED", mine[-1].message, "outbid"
    if any(b.status == "accepted" for b in mine):
        return "OUTBID", price, "outbid"
    if lot.status == "paused":
        return "PAUSED", "wait for the auctioneer", "closed"
    return f"LOT {lot.lot}", price, "neutral"


def paddle_view(state: HallState, number: int, holder: str, policy: PressPolicy, mirror: MainView | None = None,
                now_ms: int = 0) -> PaddleView:
    paddle = state.paddles[number]
    lot = state.lot
    headline, detail, tone = _headline(paddle, lot, state.link_up, now_ms)
    full = policy.hard_grams * 1.5
    bids = tuple(f"{_money(lot, b.amount)} {b.status}" for b in paddle.bids if lot is not None and b.lot == lot.lot)[-4:]
    banner = BANNERS["fair_warning"] if lot is not None and lot.status == "fair_warning" else ""
    return PaddleView(number, holder, headline, detail, tone, bids, min(1.0, max(0, paddle.force) / full), paddle.tier,
                      (policy.firm_grams / full, policy.hard_grams / full), paddle.pressed, mirror, banner)


def clock_time(at_ms: int, utc_offset_s: int) -> str:
    seconds = (at_ms // 1000 + utc_offset_s) % 86_400
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def auctioneer_view(state: HallState, run_list: list[tuple[str, str]], now: float, utc_offset_s: int = 0,
                    now_ms: int = 0) -> AuctioneerView:
    lot = state.lot
    link, ok = link_text(state, now)
    runs = tuple((lot_id, title, state.lot_statuses.get(lot_id, "pending")) for lot_id, title in run_list)
    notices = tuple(NoticeLine(clock_time(n.at_ms, utc_offset_s) if n.at_ms is not None else "", n.text) for n in reversed(state.notes))
    if lot is None:
        return AuctioneerView(runs, "no lot open", "", "", (), "", (), notices, link, ok, KEYS)
    reserve = "reserve met" if lot.reserve_met else "reserve NOT met"
    history = tuple(BidLine(f"{clock_time(entry.at_ms, utc_offset_s)}  {_money(lot, entry.amount):>14}  {entry.channel:<6}  {entry.label}",
                            entry.channel) for entry in reversed(lot.history))
    touches = [t for t in state.intents if isinstance(t, Touch) and t.lot == lot.lot]
    intents = tuple(f"{clock_time(t.at_ms, utc_offset_s)}  paddle {t.paddle}: light touch {t.grams} g" for t in reversed(touches[-5:]))
    banner, reason = outcome(lot)
    if lot.status in CLOSED:
        prices = f"{banner}: {reason}"
    elif lot.kind == "dutch":
        prices = f"clock at {_money(lot, price_now(lot, now_ms))}"
    else:
        prices = f"current {_money(lot, lot.current_bid)}, asking {_money(lot, lot.asking)}"
    return AuctioneerView(runs, f"Lot {lot.lot}: {lot.title} [{BANNERS.get(lot.status, lot.status)}]", reserve, prices,
                          history, f"{lot.online_bidders} online", intents, notices, link, ok, KEYS)


def all_views(state: HallState, holders: dict[int, str], run_list: list[tuple[str, str]], policy: PressPolicy,
              mirror: frozenset[int], now: float, now_ms: int, utc_offset_s: int = 0) -> Views:
    main = main_view(state, now, now_ms)
    paddles = {number: paddle_view(state, number, holders.get(number, "unregistered"), policy, main if number in mirror else None, now_ms)
               for number in state.paddles}
    return Views(main, auctioneer_view(state, run_list, now, utc_offset_s, now_ms), paddles)
