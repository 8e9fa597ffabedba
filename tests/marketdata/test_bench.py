"""bench/marketdata.py's in-process figure runs on a short history (the fan-out needs a broker: ./hall bench)."""
from bench.marketdata import valuation_update


def test_the_valuation_update_figure_is_measured():
    found = valuation_update(trades=50, history=100)
    assert set(found) == {"valuation_update_ms_p50", "valuation_update_ms_p99"}
    assert 0 < found["valuation_update_ms_p50"] <= found["valuation_update_ms_p99"]
