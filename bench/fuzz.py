"""Coverage-guided fuzzing (atheris, libFuzzer) of every decoder a stranger reaches: tests/fuzz/targets.py.

    ./hall drill --fuzz MINUTES      the long run: minutes shared by the targets, figures as JSON

Each target runs as its own process (libFuzzer owns the process and exits on the first crash), seeded
from the corpus kept in tests/fuzz/corpus. After a crash the input is recorded with its traceback,
taken out of the working corpus, and the target resumes for the rest of its time, so one known bug
does not hide the next. The short, seeded run of `./hall test` (tests/fuzz/test_fuzz.py) is the same
function with a fixed number of runs.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.fuzz.targets import CORPUS, TARGETS

ROOT = Path(__file__).resolve().parent.parent
INPUT_TIMEOUT_S = 10                  # one input slower than this is reported as a hang
RSS_LIMIT_MB = 2048                   # libFuzzer's own default, said out loud: above it is a crash (oom)
MAX_CRASHES = 20                      # restarts after a crash, per target: past this, fix the code first


@dataclass
class Crash:
    kind: str                         # crash | timeout | oom (libFuzzer's artifact prefix)
    input: bytes
    trace: str                        # what atheris printed: the exception and its traceback
    seen: int = 1                     # how often this bug (same exception at the same line) was hit

    @property
    def error(self) -> str:
        lines = [line for line in self.trace.splitlines() if line.strip() and "=== Uncaught" not in line]
        return lines[0].strip() if lines else self.kind

    @property
    def where(self) -> str:
        """The innermost frame in our own code (not the target's wrapper): where the bug is."""
        frames = [(path, line) for path, line in re.findall(r'File "([^"]+)", line (\d+)', self.trace)
                  if path.startswith(str(ROOT)) and "tests/fuzz" not in path]
        return f"{Path(frames[-1][0]).relative_to(ROOT)}:{frames[-1][1]}" if frames else ""

    @property
    def signature(self) -> tuple[str, str]:
        """One bug: the same exception type at the same line."""
        return self.error.split(":")[0], self.where

    def summary(self) -> dict[str, Any]:
        return {"kind": self.kind, "error": self.error, "where": self.where, "seen": self.seen,
                "input": repr(self.input[:400]), "input_bytes": len(self.input)}


@dataclass
class TargetRun:
    target: str
    seconds: float = 0.0
    executions: int = 0
    coverage: int = 0                 # libFuzzer's "cov": instrumented edges reached
    features: int = 0                 # libFuzzer's "ft": edges with hit counts and comparisons
    corpus: int = 0
    crashes: list[Crash] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        figures = {k: v for k, v in asdict(self).items() if k != "crashes"}
        return figures | {"seconds": round(self.seconds, 1), "exec_per_s": round(self.executions / self.seconds) if self.seconds else 0,
                          "crashes": [c.summary() for c in self.crashes]}


def fuzz(target: str, work: Path, *, runs: int | None = None, seconds: float | None = None, seed: int = 1) -> TargetRun:
    """Fuzz one target from the kept corpus (copied into `work`) for `runs` inputs or `seconds`."""
    corpus = work / "corpus"
    shutil.copytree(CORPUS / target, corpus, dirs_exist_ok=True)
    result, started = TargetRun(target), time.monotonic()
    for attempt in range(MAX_CRASHES + 1):
        left = None if seconds is None else seconds - (time.monotonic() - started)
        if left is not None and left < 1:
            break
        crash = _one_run(target, work, corpus, result, runs=runs, seconds=left, seed=seed + attempt)
        if crash is None:
            break
        known = next((c for c in result.crashes if c.signature == crash.signature), None)
        if known:
            known.seen += 1
        else:
            result.crashes.append(crash)
        if seconds is None:                   # a fixed number of runs (./hall test): the first crash is the answer
            break
        _forget(corpus, crash.input)          # else every restart would stop at the same seed
    result.seconds = time.monotonic() - started
    return result


def _one_run(target: str, work: Path, corpus: Path, result: TargetRun, *, runs: int | None, seconds: float | None,
             seed: int) -> Crash | None:
    artifacts = work / "artifacts"
    shutil.rmtree(artifacts, ignore_errors=True)
    artifacts.mkdir(parents=True)
    flags = [f"-seed={seed}", f"-timeout={INPUT_TIMEOUT_S}", f"-rss_limit_mb={RSS_LIMIT_MB}", "-print_final_stats=1",
             f"-artifact_prefix={artifacts}/"]
    flags += [f"-runs={runs}"] if runs is not None else [f"-max_total_time={max(1, int(seconds or 1))}"]
    env = os.environ | {"PYTHONPATH": str(ROOT), "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
                        "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    done = subprocess.run([sys.executable, "-m", "tests.fuzz.run", target, *flags, str(corpus)], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    _count(done.stdout, result)
    found = sorted(artifacts.iterdir())
    if not found:
        if done.returncode != 0:
            raise RuntimeError(f"the fuzzer for {target} failed without a crash input:\n{done.stdout[-3000:]}")
        return None
    return Crash(found[0].name.split("-", 1)[0], found[0].read_bytes(), _trace(done.stdout))


def _count(output: str, result: TargetRun) -> None:
    """Add one libFuzzer run's figures: executions from its final stats, the best coverage seen."""
    executed = re.search(r"stat::number_of_executed_units: (\d+)", output)
    result.executions += int(executed.group(1)) if executed else 0
    for cov, ft, corp in re.findall(r"cov: (\d+) ft: (\d+) corp: (\d+)", output):
        result.coverage, result.features = max(result.coverage, int(cov)), max(result.features, int(ft))
        result.corpus = max(result.corpus, int(corp))


def _trace(output: str) -> str:
    """The Python exception atheris printed (its line, then the traceback), or libFuzzer's own report."""
    start = output.find("=== Uncaught Python exception: ===")
    start = start if start >= 0 else output.find("ERROR: libFuzzer")
    trace = output[start:] if start >= 0 else output[-2000:]
    return trace[:trace.find("\nMS: ")] if "\nMS: " in trace else trace


def _forget(corpus: Path, data: bytes) -> None:
    digest = hashlib.sha1(data).digest()
    for path in corpus.iterdir():
        if hashlib.sha1(path.read_bytes()).digest() == digest:
            path.unlink()


def run(minutes: float) -> dict[str, Any]:
    """The long run: `minutes` shared by the targets, one after another (this box is shared); each
    gets an equal part of what is left, so the processes' start-up is not added on top."""
    deadline, results = time.monotonic() + minutes * 60, []
    with tempfile.TemporaryDirectory(prefix="hall-fuzz-") as tmp:
        for index, name in enumerate(TARGETS):
            share = (deadline - time.monotonic()) / (len(TARGETS) - index)
            results.append(fuzz(name, Path(tmp) / name, seconds=share))
    return {"fuzz_minutes": minutes, "executions": sum(r.executions for r in results),
            "coverage": sum(r.coverage for r in results), "features": sum(r.features for r in results),
            "crashes": sum(len(r.crashes) for r in results), "targets": [r.summary() for r in results]}
