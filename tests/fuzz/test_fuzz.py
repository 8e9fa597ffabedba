"""The fuzz targets in ./hall test: every input kept in the corpus replays cleanly, and a short,
seeded, coverage-guided run from that corpus finds no crash. A crash fails with its input printed.
The long run is ./hall drill --fuzz MINUTES (bench/fuzz.py)."""
from pathlib import Path

import pytest

from bench.fuzz import fuzz
from shared import topics
from tests.fuzz.targets import CORPUS, TARGETS

SHORT_RUNS = {"mqtt_inbound": 1500, "register_form": 300, "avatar": 1500, "toml_config": 500}   # ~2 s each here

KEPT = [(name, path) for name in TARGETS for path in sorted((CORPUS / name).iterdir())]


def test_every_target_has_a_seed_corpus_and_a_short_run():
    assert set(SHORT_RUNS) == set(TARGETS)
    assert all(any((CORPUS / name).iterdir()) for name in TARGETS)


def test_the_mqtt_corpus_seeds_every_inbound_topic():
    heads = {path.read_bytes().partition(b"\n")[0].decode(errors="replace") for path in (CORPUS / "mqtt_inbound").iterdir()}
    seeded = {parsed[0] for head in heads if (parsed := topics.parse(head))}
    assert set(topics.INBOUND) <= seeded, [t.name for t in topics.INBOUND if t not in seeded]


@pytest.mark.parametrize(("target", "path"), KEPT, ids=[f"{name}/{path.name}" for name, path in KEPT])
def test_a_kept_input_is_answered_or_refused_as_documented(target: str, path: Path):
    data = path.read_bytes()
    try:
        TARGETS[target](data)
    except BaseException as crash:  # noqa: BLE001 (any escape is the finding; the input is the report)
        pytest.fail(f"{target} crashed on {path.name}: {type(crash).__name__}: {crash}\ninput ({len(data)} bytes): {data[:600]!r}")


@pytest.mark.slow
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_short_seeded_fuzz_run_finds_no_crash(target: str, tmp_path: Path):
    result = fuzz(target, tmp_path, runs=SHORT_RUNS[target], seed=1)
    report = "\n\n".join(f"{c.error} at {c.where} on input {c.input[:600]!r}\n{c.trace[-1500:]}" for c in result.crashes)
    assert not result.crashes, report
    assert result.executions >= SHORT_RUNS[target]
