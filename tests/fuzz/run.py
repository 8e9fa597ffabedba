"""One fuzz target under atheris (libFuzzer), coverage-guided over the project's own modules.

    python -m tests.fuzz.run TARGET [libFuzzer flags] [CORPUS_DIR ...]

Only `cloud` and `shared` are instrumented: the decoders live there, and instrumenting the
standard library would spend the run on json's and tomllib's edges instead of ours.
"""
from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["cloud", "shared"]):
    from tests.fuzz.targets import TARGETS


def main() -> None:
    name, flags = sys.argv[1], sys.argv[2:]
    atheris.Setup([sys.argv[0], *flags], TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
