"""The hall box carries no cloud code and the cloud no hall code: each side imports only itself,
shared/ and (the hall) hardware/. Pieces that run the whole system live in bench/."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"edge": "cloud", "cloud": "edge"}


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("side", sorted(FORBIDDEN))
def test_a_side_never_imports_the_other(side):
    crossing = {str(p.relative_to(ROOT)): sorted(n for n in imports(p) if n.split(".")[0] == FORBIDDEN[side])
                for p in (ROOT / side).rglob("*.py")}
    assert {path: names for path, names in crossing.items() if names} == {}


def test_the_walk_sees_imports():
    assert "cloud.kernel.engine" in imports(ROOT / "cloud/__main__.py")
