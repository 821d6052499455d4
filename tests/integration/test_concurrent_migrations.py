"""Instances of a service started together on a fresh PostgreSQL database (two of scoring, two
of notifications) each migrate it on start: one migrates, the others wait for it and find the
newest revision, none fails on a table the other has just created (issue 21, items 1 and 5)."""

from __future__ import annotations

import asyncio
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.assessment.bootstrap import MIGRATIONS as ASSESSMENT
from services.notifications.bootstrap import MIGRATIONS as NOTIFICATIONS
from services.scoring.bootstrap import MIGRATIONS as SCORING

pytestmark = [pytest.mark.postgres]

MIGRATE = (
    "import sys; from pathlib import Path; from services.runtime.migrations import upgrade; "
    "upgrade(Path(sys.argv[1]), sys.argv[2])"
)


@pytest.mark.parametrize(
    "migrations", [ASSESSMENT, SCORING, NOTIFICATIONS], ids=lambda p: p.parent.name
)
async def test_instances_started_together_migrate_once(new_pg_database, migrations) -> None:
    url = new_pg_database()
    # Processes, as instances are (Alembic's context is one per process).
    started = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", MIGRATE, str(migrations), url, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(3)
    ]
    outcomes = [await process.communicate() for process in started]
    assert [process.returncode for process in started] == [0, 0, 0], outcomes
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            versions = (
                await connection.execute(text("SELECT version_num FROM alembic_version"))
            ).all()
    finally:
        await engine.dispose()
    assert len(versions) == 1
