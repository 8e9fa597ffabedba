"""The cores import only the standard library and shared/: no I/O, clock or randomness inside."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_STDLIB = {"__future__", "bisect", "dataclasses", "functools", "hashlib", "json", "typing", "itertools", "enum", "collections"}
FORBIDDEN = {"time", "random", "datetime", "os", "socket", "threading", "sqlite3", "paho", "sqlite_utils", "pygame", "gpiozero"}


def core_files():
    return sorted(p for d in ("cloud/core", "edge/core") if (ROOT / d).exists() for p in (ROOT / d).glob("*.py"))


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
            assert name.startswith("cloud.core"), f"{path.name} reaches outside the core: {name}"


def test_the_check_finds_the_core():
    assert len(core_files()) >= 8
