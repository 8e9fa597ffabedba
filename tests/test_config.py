"""One typed config from one TOML file: the demo file loads, and mistakes name their key."""
import pytest

from cloud.config import ConfigError, load


def test_demo_config_loads_with_amounts_in_minor_units():
    config = load()
    spec = config.sale_spec()
    assert spec.currency == "HKD" and spec.lots[0].opening == 80_000
    assert spec.lots[2].dutch is not None and spec.lots[2].dutch.step_ms == 2_000
    assert spec.lots[1].ladder is not None and spec.lots[1].ladder.next_rung(200_000) == 210_000


@pytest.mark.parametrize("text, complaint", [
    ("[sale]\ncurency = 'HKD'\n", "unknown key(s) curency"),
    ("[broker]\nport = '1883'\n", "broker.port must be int"),
    ("[sale]\ncurrency = 'XYZ'\n", "sale.currency 'XYZ' is unknown"),
    ("[[lots]]\nid = '1'\ntitle = 'x'\nopening = 0\n", "lots[1].opening must be a positive amount"),
    ("[[lots]]\nid = '1'\ntitle = 'x'\nopening = 5\nladder = 'nope'\n", "no ladder named 'nope'"),
    ("[[lots]]\nid = 'd'\ntitle = 'x'\nkind = 'dutch'\ntop = 5\nfloor = 9\n", "a Dutch lot needs 0 < floor < top"),
    ("[[lots]]\nid = '1'\nopening = 5\n", "lots[0]"),
    ("[ladders.x]\nbands = [[5, [1]]]\n", "ladder bands must start at 0"),
    ("not toml at all [", "demo.toml"),
])
def test_config_mistakes_name_the_key(tmp_path, text, complaint):
    path = tmp_path / "demo.toml"
    path.write_text(text)
    with pytest.raises((ConfigError, ValueError)) as caught:
        load(path)
    assert complaint in str(caught.value)
