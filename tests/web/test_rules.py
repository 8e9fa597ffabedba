"""The page's copies of two rules (web/rules.js) agree with the arbiter's (shared/), case by case, in node."""
from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest

from shared.dutch import clock_price
from shared.money import MINOR_DIGITS, format_amount
from tests.conftest import ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs node (./hall installs it)")


def run_in_node(calls: list[list]) -> list:
    script = ("const r = require(process.argv[1]); const calls = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "console.log(JSON.stringify(calls.map(([name, ...args]) => r[name](...args))));")
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
