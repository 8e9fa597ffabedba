"""The page's copies of two rules (web/rules.js) agree with the arbiter's (shared/), case by case, in node."""
from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest

from edge.core.views import outcome
from shared import messages
from shared.dutch import arbiter_now_ms, clock_price, price_now
from shared.messages import encode
from shared.money import MINOR_DIGITS, format_amount
from tests.conftest import ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs node (./hall installs it)")


def run_in_node(calls: list[list]) -> list:
    # An argument that is itself a [name, ...args] call of a rule is computed first (nested rules).
    script = ("const r = require(process.argv[1]); const calls = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "const run = ([name, ...args]) => r[name](...args.map((a) => Array.isArray(a) && a[0] in r ? run(a) : a));"
              "console.log(JSON.stringify(calls.map(run)));")
    out = subprocess.run([NODE, "-e", script, str(ROOT / "web" / "rules.js")], input=json.dumps(calls), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_dutch_clock_matches_the_arbiters():
    rng = random.Random(3)
    cases = []
    for _ in range(400):
        floor = rng.randint(1, 10**9)
        top = floor + rng.randint(1, 10**9)
        duration = rng.randint(1, 600_000)
        cases.append([top, floor, duration, rng.choice(["steps", "linear"]), rng.randint(1, 60_000), rng.randint(-5_000, 700_000)])
    assert run_in_node([["clockPrice", *case] for case in cases]) == [clock_price(*case) for case in cases]


def test_money_is_said_the_same_way():
    rng = random.Random(5)
    cases = [[rng.choice([0, 5, 99, 100, 110050, 2**53 - 1, -1250, rng.randint(0, 10**12)]), currency]
             for currency in MINOR_DIGITS for _ in range(20)]
    got = run_in_node([["formatAmount", minor, currency, MINOR_DIGITS[currency]] for minor, currency in cases])
    assert got == [format_amount(minor, currency) for minor, currency in cases]


def lot_state(rng: random.Random, kind: str, status: str) -> messages.LotState:
    start = rng.randint(0, 10**12)
    clock = messages.DutchClock(900_000, 400_000, start, start + 20_000, rng.choice(["steps", "linear"]), 2_000, 900_000) if kind == "dutch" else None
    leader = messages.Leader("hall", "Paddle 12 · Mrs Chan", paddle=12) if rng.random() < 0.7 else None
    bids = rng.randint(0, 3) if leader else 0
    return messages.LotState("s", "3", "Dragon", kind, status, "HKD", rng.choice([None, 900_000, 80_000]), 55_000 if bids else None,
                             leader, bids, rng.random() < 0.5, 1, dutch=clock, at_ms=start + rng.randint(0, 9_000))


def test_the_page_names_the_clocks_price_by_the_arbiters_clock_as_the_screens_do():
    rng = random.Random(11)
    cases = []
    for _ in range(300):
        lot = lot_state(rng, rng.choice(["dutch", "english"]), rng.choice(["open", "fair_warning", "paused", "sold", "passed"]))
        cases.append((lot, rng.randint(0, 30_000), lot.at_ms + rng.randint(-60_000, 60_000)))
    got = run_in_node([["priceNow", json.loads(encode(lot)), ["arbiterNow", lot.at_ms, since, wall]] for lot, since, wall in cases])
    assert got == [price_now(lot, arbiter_now_ms(lot.at_ms, since, wall)) for lot, since, wall in cases]


def test_the_page_states_a_closed_lots_result_and_reason_as_the_screens_do():
    rng = random.Random(13)
    lots = [lot_state(rng, kind, status) for kind in ("dutch", "english") for status in ("sold", "passed", "open") for _ in range(20)]
    got = run_in_node([["outcome", json.loads(encode(lot)), MINOR_DIGITS["HKD"]] for lot in lots])
    assert got == [list(outcome(lot)) for lot in lots]
