"""Accounts: registration, house approval, spending limit, the trade PIN and its lockout."""
from dataclasses import replace

from cloud.core import events as ev
from cloud.identity.commands import CheckPin
from cloud.identity.events import AccountAnsweredAgain
from cloud.core.views import invoice_text
from cloud.pins import hash_pin
from shared.codes import Code
from tests.core.driver import UNIT, Driver, sale_spec

PIN_HASH = hash_pin("4321")


def opened(unlock: tuple[str, ...] = ("alice", "bob")) -> Driver:
    d = Driver().start(unlock=unlock)
    assert d.command("open_lot").ok
    return d


def test_a_registered_account_cannot_bid_until_the_house_approves_it():
    d = opened()
    assert d.account("register", "carol", handle="carol_c", pin_hash=PIN_HASH).ok
    assert d.account("register", "carol", handle="carol_c", pin_hash=PIN_HASH).code is Code.DUPLICATE_REGISTRATION
    assert d.pin("carol", True).code is Code.NOT_APPROVED
    refused = d.online_bid("carol", 100 * UNIT)
    assert refused.code is Code.NOT_APPROVED and "awaits the house's approval" in refused.message
    assert d.account("approve", "carol").ok
    assert d.online_bid("carol", 100 * UNIT).code is Code.PIN_REQUIRED
    assert d.pin("carol", True).unlocked
    assert isinstance(d.online_bid("carol", 100 * UNIT), ev.BidAccepted)


def test_a_declined_account_is_told_so_and_registration_needs_a_pin_hash():
    d = opened()
    for role in ("arbiter", "house", "hall-hall1"):           # the account desk would overwrite their broker logins
        assert d.account("register", role, handle="x", pin_hash=PIN_HASH).code is Code.BAD_COMMAND
    assert d.account("register", "dave", handle="dave").code is Code.BAD_COMMAND
    assert d.account("approve", "nobody").code is Code.UNKNOWN_BIDDER
    d.account("register", "dave", handle="dave", pin_hash=PIN_HASH)
    assert d.account("decline", "dave").ok
    assert d.online_bid("dave", 100 * UNIT).message == "the house declined this account"
    assert d.account("set_limit", "dave", limit=5).code is Code.NOT_APPROVED


def test_no_bid_or_maximum_counts_before_the_trade_pin():
    d = opened(unlock=())
    assert d.online_bid("alice", 100 * UNIT).code is Code.PIN_REQUIRED
    assert d.set_max("alice", 500 * UNIT)[0].code is Code.PIN_REQUIRED
    assert d.state.lot.bids == [] and d.state.lot.maxima == {}


def test_wrong_pins_lock_bidding_and_even_the_right_pin_is_refused_while_locked():
    d = opened(unlock=())
    answers = [d.pin("alice", False) for _ in range(4)]
    assert [a.code for a in answers] == [Code.PIN_WRONG] * 4
    assert answers[-1].message == "wrong PIN: 1 attempt left before bidding locks"
    locked = d.pin("alice", False)
    assert locked.code is Code.PIN_LOCKED and locked.locked_until == d.ts + 900_000
    assert d.pin("alice", True).code is Code.PIN_LOCKED                  # guessing right gains nothing now
    assert d.online_bid("alice", 100 * UNIT).code is Code.PIN_LOCKED
    d.ts = locked.locked_until
    assert d.pin("alice", True).unlocked
    assert isinstance(d.online_bid("alice", 100 * UNIT), ev.BidAccepted)


def test_a_right_pin_resets_the_count_and_a_wrong_one_ends_the_session():
    d = opened(unlock=())
    for _ in range(4):
        d.pin("alice", False)
    assert d.pin("alice", True).unlocked and d.state.accounts["alice"].failures == 0
    assert d.pin("alice", False).code is Code.PIN_WRONG
    assert d.online_bid("alice", 100 * UNIT).code is Code.PIN_REQUIRED


def test_the_session_ends_when_the_bidder_goes_offline():
    d = opened()
    d.presence("alice", True)
    d.presence("alice", False)
    assert d.online_bid("alice", 100 * UNIT).code is Code.PIN_REQUIRED
    assert d.presence("bob", False) and d.online_bid("bob", 100 * UNIT).code is Code.PIN_REQUIRED   # never announced, still ends


def test_a_new_pin_needs_giving_again():
    d = opened()
    assert d.account("set_pin", "alice", pin_hash=PIN_HASH).ok
    assert d.state.accounts["alice"].pin_hash == PIN_HASH
    assert d.online_bid("alice", 100 * UNIT).code is Code.PIN_REQUIRED


def test_the_spending_limit_counts_lots_won_and_refuses_maxima_above_it():
    d = opened()
    assert d.account("set_limit", "alice", limit=400 * UNIT).ok
    d.online_bid("alice", 100 * UNIT)
    d.hall_bid(11, 110 * UNIT)
    d.online_bid("alice", 160 * UNIT)
    assert d.command("hammer").ok                                     # alice won lot 1 at 160
    assert d.command("open_lot").ok
    over = d.online_bid("alice", 250 * UNIT, lot="2")
    assert over.code is Code.OVER_LIMIT
    assert over.message == "250 HKD would take your purchases to 410 HKD, above your spending limit of 400 HKD"
    assert d.set_max("alice", 250 * UNIT, lot="2")[0].code is Code.OVER_LIMIT
    assert isinstance(d.set_max("alice", 240 * UNIT, lot="2")[0], ev.MaxRegistered)


def test_a_cancelled_order_frees_the_limit():
    d = opened()
    d.account("set_limit", "alice", limit=200 * UNIT)
    d.online_bid("alice", 160 * UNIT)
    d.command("lift_reserve")
    d.command("hammer")
    (order_id,) = d.state.orders
    assert d.command("cancel_order", order_id=order_id).ok
    d.command("open_lot")
    assert isinstance(d.online_bid("alice", 200 * UNIT, lot="2"), ev.BidAccepted)


def test_house_commands_are_idempotent_and_accounts_replay():
    d = opened()
    first = d.account("register", "carol", handle="carol_c", pin_hash=PIN_HASH)
    again = d.send(d.journal[-1][0].command)                          # the same command_id again: the same answer, nothing else
    assert again == [AccountAnsweredAgain(first.key)] and d.house["identity"].answers[first.key] == first
    d.pin("alice", False)
    replayed = d.replayed()
    assert replayed.state_hash() == d.house.state_hash() and replayed["identity"].accounts["carol"].pin_hash == PIN_HASH


def test_preregistered_bidders_carry_their_hash_and_limit():
    spec = sale_spec()
    bidders = (replace(spec.bidders[0], pin_hash=PIN_HASH, limit=50 * UNIT),)
    d = Driver().start(replace(spec, bidders=bidders), unlock=())
    alice = d.state.accounts["alice"]
    assert (alice.status, alice.pin_hash, alice.limit, alice.unlocked) == ("approved", PIN_HASH, 50 * UNIT, False)


def test_a_hall_bidder_is_an_account_too_its_limit_covers_the_room_and_online_together():
    spec = sale_spec()
    paddles = (replace(spec.paddles[0], account="alice"), spec.paddles[1])      # Mrs Chan bids as alice in the room
    d = Driver().start(replace(spec, paddles=paddles))
    d.account("set_limit", "alice", limit=300 * UNIT)
    d.command("open_lot")
    d.hall_bid(11, 100 * UNIT)
    d.hall_bid(12, 110 * UNIT)
    assert isinstance(d.hall_bid(11, 160 * UNIT), ev.BidAccepted)
    d.command("hammer")
    (order,) = d.state.orders.values()
    assert order.account == "alice" and "account alice" in invoice_text(order)
    d.command("open_lot")
    over = d.hall_bid(11, 200 * UNIT, lot="2")
    assert over.code is Code.OVER_LIMIT and "your purchases to 360 HKD" in over.message
    assert d.online_bid("alice", 200 * UNIT, lot="2").code is Code.OVER_LIMIT                # one limit, both channels
    assert d.command("set_max", paddle=11, amount=200 * UNIT, lot="2").code is Code.OVER_LIMIT
    assert isinstance(d.hall_bid(12, 200 * UNIT, lot="2"), ev.BidAccepted)               # an unlinked paddle: no limit


def test_register_paddle_links_a_known_account_only():
    d = opened()
    assert d.command("register_paddle", paddle=30, name="Dr Ho", account="nobody").code is Code.UNKNOWN_BIDDER
    answer = d.command("register_paddle", paddle=30, name="Dr Ho", account="bob")
    assert answer.ok and answer.message == "paddle 30 registered to Dr Ho (account bob)" and d.state.paddle_accounts[30] == "bob"


def test_a_pin_changed_while_the_old_one_was_being_checked_unlocks_nothing():
    """The shell checks a PIN against the hash the engine gave it; if the house set a new PIN in the
    meantime, the outcome of checking the old hash must not unlock the account."""
    d = opened(unlock=())
    old_hash = d.house["identity"].accounts["alice"].pin_hash
    d.account("set_pin", "alice", pin_hash=PIN_HASH)                   # the house changes it: the check is in flight
    answer = d.send(CheckPin("alice", True, old_hash))[0]
    assert not answer.unlocked and answer.code is Code.PIN_REQUIRED
    assert not d.house["identity"].accounts["alice"].unlocked
    assert d.send(CheckPin("alice", True, PIN_HASH))[0].unlocked      # checked against the new hash: fine
