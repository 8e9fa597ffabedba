"""./hall demo settles its sale: every lot is a consigned catalog item, the house desk pays and releases
every order, and the demo ends with balanced books and the buyers' and the consignor's statements."""
import os
import re
import subprocess
import sys

import pytest

from bench.demo import CONSIGNOR
from tests.conftest import ROOT

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def test_the_demo_ends_with_every_order_settled_and_the_books_balanced():
    result = subprocess.run([sys.executable, "-m", "bench.demo", "--pace", "0", "--headless"], capture_output=True, text=True,
                            timeout=240, cwd=ROOT, stdin=subprocess.DEVNULL, env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    settled = out[out.index("The house desk settles the sale:"):out.index("SALE ")]
    assert settled.count("ok: order") == 6 and "refused" not in settled, settled       # 3 sold lots: paid, released
    assert out.count("[RELEASED]") == 3 and "the books balance" in out
    assert all(f"statement of {user}" in out for user in ("alice", "bob", CONSIGNOR))
    assert re.search(rf"user:{CONSIGNOR}:cash:HKD: [\d,.]+ HKD", out)
