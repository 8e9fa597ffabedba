"""The cluster backends for tests: the PostgreSQL journal over the session's private server
(tests/conftest.py's `postgres`: a house per test keeps tests apart), and the 3-node NATS cluster.
Every test here is marked `cluster`; they need the servers ./hall installs, and `./hall test
--cluster` runs them (plain `./hall test` skips them, saying so)."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cloud.kernel.codec import Codec
from cloud.kernel.pgstore import PgJournal
from cloud.kernel.store import Journal
from cloud.postgres import Postgres

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="cluster backends: ./hall test --cluster runs these")
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.cluster)
            if os.environ.get("HALL_CLUSTER") != "1":
                item.add_marker(skip)


class PgBackend:
    """`Journal.create`/`resume` as tests/kernel/test_store.py calls them, over PostgreSQL: the file
    path names a house of its own (tests stay apart in one server). A path that is a file is a SQLite
    journal (what a PostgreSQL house's backup writes), read as such."""

    def __init__(self, dsn: str):
        self.dsn = dsn
        self.opened: list[PgJournal] = []

    def location(self, path: Path) -> str:
        return f"{self.dsn}#h{hashlib.sha1(str(path).encode()).hexdigest()[:16]}"

    def create(self, path: Path, codec: Codec, house_id: str) -> PgJournal:
        self.opened.append(PgJournal.create(self.location(path), codec, house_id))
        return self.opened[-1]

    def resume(self, path: Path, codec: Codec) -> Journal | PgJournal:
        if Path(path).is_file():
            return Journal.resume(path, codec)
        self.opened.append(PgJournal.resume(self.location(path), codec))
        return self.opened[-1]

    def close(self) -> None:
        for journal in self.opened:
            if not journal.conn.closed:
                journal.close()


@pytest.fixture
def pg_backend(postgres: Postgres) -> Iterator[PgBackend]:
    backend = PgBackend(postgres.dsn)
    yield backend
    backend.close()


def house_location(postgres: Postgres, request: Any) -> str:
    """A house of the test's own in the session's server."""
    return f"{postgres.dsn}#h{hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16]}"
