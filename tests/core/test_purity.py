"""The pure cores import only the standard library, shared/ and other pure cores: no I/O, clock or
randomness inside. The kernel's domain protocol (cloud/kernel/domain.py) and its encoded tails (tail.py) are pure too."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_STDLIB = {"__future__", "bisect", "re", "types", "dataclasses", "functools", "hashlib", "json", "typing", "itertools", "enum", "collections"}
FORBIDDEN = {"time", "random", "datetime", "os", "socket", "threading", "sqlite3", "paho", "sqlite_utils", "pygame", "gpiozero"}


PURE_DIRS = ("cloud/core", "cloud/identity", "cloud/ledger", "cloud/custody", "cloud/market", "cloud/marketdata", "edge/core")
PURE_CLOUD = ("cloud.core", "cloud.identity", "cloud.ledger", "cloud.custody", "cloud.market", "cloud.marketdata", "cloud.kernel.domain",
              "cloud.kernel.tail")


def core_files():
    found = [p for d in PURE_DIRS if (ROOT / d).exists() for p in (ROOT / d).glob("*.py")]
    return sorted(found + [ROOT / "cloud/kernel/domain.py", ROOT / "cloud/kernel/tail.py"])


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", core_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_imports_nothing_impure(path):
    for name in imported(path):
        top = name.split(".")[0]
        assert top not in FORBIDDEN, f"{path.name} imports {name}"
        assert top in ALLOWED_STDLIB or top in ("shared", "cloud", "edge"), f"{path.name} imports {name}"
        if top == "cloud":
            assert name.startswith(PURE_CLOUD), f"{path.name} reaches outside the pure cores: {name}"


def test_the_check_finds_the_core():
    assert len(core_files()) >= 8
