"""A service migrates its database on start in a child process, so that the serving process never
loads Alembic (issue 20, peak RSS of each service): the database is at the newest revision once
the service has started, Alembic is not among the serving process's modules, the URL (with its
password) is not on the child's command line, and a failed migration fails the start with the
child's error text."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from services.runtime import migrator
from services.runtime.migrator import MigrationFailed, upgrade_in_child
from services.runtime.service import Runtime
from services.runtime.settings import ServiceSettings
from services.scoring.adapters.tables import metadata as scoring_metadata
from services.scoring.adapters.tables import plumbing as scoring_plumbing
from services.scoring.bootstrap import MIGRATIONS as SCORING
from tools.processes import ROOT

#: Run in a fresh interpreter, as a service's own process: build each service's app the way
#: ``python -m services.<name>`` does, start its runtime (migrations first), and report what the
#: process has loaded and which tables its database has.
SERVING = """
import asyncio, json, sys
from importlib import import_module
from sqlalchemy import inspect
from services.runtime.settings import ServiceSettings
from tests.support.keys import session_keys

async def main(name, nats_url, database_url):
    settings = ServiceSettings(
        service=name, environment="test", http_port=0, nats_url=nats_url,
        database_url=database_url, **session_keys().settings(),
    )
    app = import_module(f"services.{name}.bootstrap").build_app(settings)
    runtime = app.state.runtime
    await runtime.start()
    try:
        async with runtime.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
            version = (await connection.exec_driver_sql(
                "SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        await runtime.stop()
    loaded = sorted(m for m in sys.modules if m == "alembic" or m.startswith("alembic."))
    print(json.dumps({"alembic": loaded, "tables": tables, "version": version}))

asyncio.run(main(*sys.argv[1:]))
"""


def head_revision(migrations: Path) -> str:
    """The newest revision of ``migrations`` (read here, in the test process, with Alembic)."""
    from alembic.script import ScriptDirectory

    from services.runtime.migrations import alembic_config

    return ScriptDirectory.from_config(alembic_config(migrations, "sqlite://")).get_current_head()


@pytest.mark.parametrize("name", ["assessment", "scoring", "notifications"])
def test_a_started_service_is_migrated_without_alembic_in_its_process(
    name: str, nats_server: Any, tmp_path: Path
) -> None:
    # A folder that does not exist yet: the child makes it for SQLite.
    database = tmp_path / "var" / "fresh" / f"{name}.db"
    done = subprocess.run(
        [sys.executable, "-c", SERVING, name, nats_server.url, f"sqlite+aiosqlite:///{database}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["alembic"] == []
    migrations = ROOT / "services" / name / "migrations"
    assert found["version"] == head_revision(migrations)
    assert {"outbox", "inbox"} <= set(found["tables"])


async def test_the_url_goes_to_the_child_by_its_environment_not_its_argv(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    spawn = asyncio.create_subprocess_exec

    async def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append((args, kwargs))
        return await spawn(*args, **kwargs)

    monkeypatch.setattr(asyncio, "create_subprocess_exec", recording)
    await upgrade_in_child(SCORING, sqlite_url)
    ((argv, options),) = seen
    assert argv[0] == sys.executable
    assert not any(sqlite_url in str(argument) for argument in argv)
    assert options["env"][migrator.URL_VARIABLE] == sqlite_url


async def test_a_failed_migration_fails_the_start_with_the_childs_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Nothing listens on port 9: the child cannot connect, and says so without the password.
    password = "n0t-in-any-log"
    url = f"postgresql+asyncpg://ward5s:{password}@127.0.0.1:9/scoring"
    settings = ServiceSettings(service="scoring", environment="test", http_port=0, database_url=url)
    runtime = Runtime(settings, scoring_metadata, scoring_plumbing, SCORING)
    with caplog.at_level(logging.ERROR), pytest.raises(MigrationFailed) as failure:
        await runtime.migrate()
    await runtime.engine.dispose()
    text = str(failure.value)
    assert "exit 1" in text and "Traceback" in text
    assert "ConnectionRefusedError" in text or "OSError" in text
    assert password not in text
    assert any("migrating" in record.getMessage() for record in caplog.records)
    assert all(password not in record.getMessage() for record in caplog.records)
