"""The valuation's formula against hand-computed tables (docs/valuation.md shows the same sums)."""
import pytest

from cloud.marketdata.valuation import SCALE, Assessed, Priced, ValuationRules, between, divide_half_up, from_trades, weight

H = 1_000
RULES = ValuationRules(half_life_ms=H)


@pytest.mark.parametrize("age, expected", [
    (0, 65_536),                  # a trade of this instant weighs SCALE
    (500, 49_152),                # half a half-life: 65,536 × 1,500 // 2,000 (linear within a half-life)
    (1_000, 32_768),              # one half-life: halved
    (1_500, 24_576),              # 32,768 × 1,500 // 2,000
    (3_000, 8_192),               # three half-lives: an eighth
    (17_000, 1),                  # 65,536 >> 17 is 0: a clean trade always weighs at least 1
    (-5, 65_536),                 # never more than a trade of this instant
])
def test_weight_halves_every_half_life_and_is_linear_between(age, expected):
    assert weight(age, H) == expected and weight(0, H) == SCALE


@pytest.mark.parametrize("trades, now, value, confidence, rests_on, excluded", [
    # (32,768 × 100 + 65,536 × 200) / 98,304 = 166.67 -> 167: the newer trade counts twice as much
    ([(0, 1, 100), (1_000, 1, 200)], 1_000, 167, "low", 2, 0),
    # three units at 100 and one at 200, same instant: (300 + 200) / 4 = 125
    ([(1_000, 3, 100), (1_000, 1, 200)], 1_000, 125, "low", 2, 0),
    # 100.5 rounds half up
    ([(1_000, 1, 100), (1_000, 1, 101)], 1_000, 101, "low", 2, 0),
    # lower median of 90, 100, 105, 110, 10,000 is 105; the band is 35 to 315: 10,000 left out; 405 / 4 = 101.25
    ([(0, 1, 100), (0, 1, 110), (0, 1, 90), (0, 1, 105), (0, 1, 10_000)], 0, 101, "medium", 4, 1),
    # an absurdly low price is left out the same way
    ([(0, 1, 100), (0, 1, 100), (0, 1, 1)], 0, 100, "low", 2, 1),
    # ten clean trades: high confidence
    ([(t, 1, 50) for t in range(10)], 9, 50, "high", 10, 0),
    # one half-life apart, quantities 2 and 1: (32,768 × 2 × 100 + 65,536 × 1 × 250) / (65,536 + 65,536) = 175
    ([(0, 2, 100), (1_000, 1, 250)], 1_000, 175, "low", 2, 0),
])
def test_the_formula_table(trades, now, value, confidence, rests_on, excluded):
    assessed = from_trades([Priced(*t) for t in trades], now, RULES)
    assert assessed == Assessed(value, "trades", confidence, rests_on, excluded)


def test_only_the_window_of_latest_trades_counts():
    trades = [Priced(3, 1, 250), *(Priced(3, 1, 100) for _ in range(3))]
    assert from_trades(trades, 3, ValuationRules(half_life_ms=H, window=3)).value == 100
    assert from_trades(trades, 3, ValuationRules(half_life_ms=H, window=4)).value == 138   # (250 + 300) / 4 = 137.5


def test_no_trades_no_value():
    assert from_trades([], 0, RULES) is None


@pytest.mark.parametrize("grade, expected", [(61, 110), (62, 120), (63, 130), (65, 150), (69, 190)])
def test_a_missing_grade_lies_on_the_line_between_its_neighbours(grade, expected):
    low, high = Assessed(100, "trades", "low", 3, 0), Assessed(200, "trades", "medium", 5, 1)
    assert between(grade, (60, low), (70, high)) == Assessed(expected, "estimate", "estimate", 8, 0)


def test_rounding_is_half_up():
    assert [divide_half_up(n, 2) for n in (1, 3, 5)] == [1, 2, 3] and divide_half_up(201, 2) == 101


def test_the_worked_example_of_docs_valuation_md():
    day = 86_400_000
    trades = [Priced(0, 2, 100_000), Priced(15 * day, 1, 110_000), Priced(30 * day, 1, 105_000), Priced(30 * day, 1, 900_000)]
    assessed = from_trades(trades, 30 * day, ValuationRules())
    assert assessed == Assessed(104_545, "trades", "low", 3, 1)
    ms63 = between(63, (60, Assessed(100_000, "trades", "low", 1, 0)), (65, assessed))
    assert ms63 == Assessed(102_727, "estimate", "estimate", 4, 0)
