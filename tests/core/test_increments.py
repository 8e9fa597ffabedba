import pytest

from cloud.core.increments import Band, Ladder, ladder_from_rows, saleroom_ladder


def rungs(ladder: Ladder, start: int, count: int) -> list[int]:
    out = [start]
    for _ in range(count):
        out.append(ladder.next_rung(out[-1]))
    return out


def test_saleroom_ladder_matches_the_house_table_from_100_to_2000():
    expected = ([100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 220, 240, 260, 280]
                + [300, 320, 350, 380, 400, 420, 450, 480] + list(range(500, 1000, 50)) + list(range(1000, 2001, 100)))
    assert rungs(saleroom_ladder(), 100, len(expected) - 1) == expected


def test_ladder_repeats_by_decade():
    ladder = saleroom_ladder()
    assert rungs(ladder, 3000, 8) == [3000, 3200, 3500, 3800, 4000, 4200, 4500, 4800, 5000]
    assert rungs(ladder, 10, 4) == [10, 11, 12, 13, 14]
    assert rungs(ladder, 0, 3) == [0, 1, 2, 3]


def test_ladder_in_minor_units_scales_every_rung():
    assert rungs(saleroom_ladder(100), 28_000, 3) == [28_000, 30_000, 32_000, 35_000]


@pytest.mark.parametrize("amount, expected", [(305, 320), (319, 320), (320, 350), (999, 1000), (281, 300), (1950, 2000)])
def test_off_ladder_amount_goes_back_on_the_ladder(amount, expected):
    assert saleroom_ladder().next_rung(amount) == expected


def test_band_edges():
    ladder = saleroom_ladder()
    assert ladder.band_index(199) == ladder.band_index(100)
    assert ladder.band_index(200) == ladder.band_index(100) + 1


def test_custom_ladder_from_config_rows_in_whole_units():
    ladder = ladder_from_rows([(0, [50]), (1000, [100])], unit=100)
    assert rungs(ladder, 95_000, 3) == [95_000, 100_000, 110_000, 120_000]


def test_a_step_that_would_overshoot_the_next_band_stops_at_its_start():
    ladder = Ladder((Band(0, (30,)), Band(100, (100,))))
    assert rungs(ladder, 60, 3) == [60, 90, 100, 200]


@pytest.mark.parametrize("bands", [(), (Band(10, (1,)),), (Band(0, (1,)), Band(0, (2,)))])
def test_invalid_ladders_are_refused(bands):
    with pytest.raises(ValueError):
        Ladder(bands)


def test_steps_must_be_positive_integers():
    with pytest.raises(ValueError):
        Band(0, (0,))
