"""The house desk against a real Mosquitto and the real arbiter: money in, a user's payout request paid,
an item into custody and shipped out, each party told, and the trial balance at the end."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from shared import backoffice, messages, topics
from tests.conftest import ROOT

pytestmark = pytest.mark.broker


def desk(broker, *argv: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cloud.desk", *argv, "--port", str(broker.port)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60, stdin=subprocess.DEVNULL)


def test_funds_in_a_payout_request_paid_and_the_books_balance(broker, arbiter, listen):
    alice = listen(topics.USER_NOTICE.format(account="alice"), topics.USER_STATEMENT.format(account="alice"),
                   topics.BIDDER_RESULT.format(account="alice"))
    deposit = desk(broker, "ledger", "deposit", "alice", "1,500", "--reference", "HSBC-778")
    assert (deposit.returncode, deposit.stdout.strip()) == (0, "ok: deposit of 1,500 HKD credited to alice"), deposit.stderr
    assert alice.expect(type="notice")["text"] == "1,500 HKD received (bank reference HSBC-778)."
    assert alice.expect(type="statement")["balances"][0]["available"] == 150_000
    again = desk(broker, "ledger", "deposit", "alice", "1,500", "--reference", "HSBC-778")
    assert again.returncode == 1 and "DUPLICATE_REFERENCE" in again.stdout

    alice.publish(topics.BIDDER_PAYOUT.format(account="alice"),
                  messages.encode(backoffice.PayoutRequest(request_id="r1", amount=40_000, currency="HKD")))
    assert alice.expect(type="command_result", command_id="r1")["status"] == "ok"
    held = desk(broker, "ledger", "balances", "alice")
    assert held.returncode == 0 and "held 400 HKD, available 1,100 HKD" in held.stdout
    paid = desk(broker, "ledger", "approve", "alice", "r1", "--reference", "FPS-1")
    assert paid.returncode == 0 and "payout request r1 paid" in paid.stdout

    statement = desk(broker, "ledger", "statement", "alice")
    assert statement.returncode == 0 and "available 1,100 HKD" in statement.stdout and "FPS-1" in statement.stdout
    notices = desk(broker, "ledger", "notices", "alice")
    assert notices.returncode == 0 and "Your payout of 400 HKD was sent (payout reference FPS-1)." in notices.stdout
    trial = desk(broker, "ledger", "trial-balance")
    assert trial.returncode == 0 and trial.stdout.strip().endswith("the books balance")


def test_an_item_into_custody_and_shipped_out(broker, arbiter, listen):
    bob = listen(topics.USER_NOTICE.format(account="bob"), topics.USER_HOLDINGS.format(account="bob"))
    defined = desk(broker, "custody", "define", "gb-penny-black-vf", "--category", "stamps", "--name", "Penny Black", "--grade", "VF",
                   "--scale", "stamp", "--year", "1840", "--quantity", "68808000", "--ref", "SG:2")
    assert defined.returncode == 0, defined.stdout + defined.stderr
    deposited = desk(broker, "custody", "deposit", "album-7", "--account", "bob", "--kind", "gb-penny-black-vf", "--units", "12")
    assert deposited.returncode == 0 and "12 units of gb-penny-black-vf credited to bob" in deposited.stdout
    assert "in the house's custody" in bob.expect(type="notice")["text"]
    assert bob.expect(type="holdings")["balances"][0]["available"] == 12
    shipped = desk(broker, "custody", "withdraw", "album-7", "--account", "bob", "--shipping-reference", "SF1234567890")
    assert shipped.returncode == 0, shipped.stdout + shipped.stderr
    assert "shipping reference SF1234567890" in bob.expect(type="notice")["text"]
    twice = desk(broker, "custody", "withdraw", "album-7", "--account", "bob", "--shipping-reference", "SF1234567890")
    assert twice.returncode == 1 and "ITEM_WITHDRAWN" in twice.stdout
    assert desk(broker, "ledger", "trial-balance").returncode == 0
