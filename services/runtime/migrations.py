"""Alembic, per service: each service keeps its revisions in ``services/<name>/migrations`` and
its ``env.py`` calls :func:`run_env` with the service's metadata."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.runtime.db import is_sqlite, make_sqlite_folder

#: The PostgreSQL advisory lock held while a service's database is migrated (any number; each
#: service has a database of its own).
LOCK_KEY = 5_021_001


def alembic_config(script_location: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(script_location: Path, url: str) -> None:
    """Bring the database to the newest revision (safe to run on every start).

    Synchronous: from async code, call it with ``asyncio.to_thread``.
    """
    make_sqlite_folder(url)
    command.upgrade(alembic_config(script_location, url), "head")


def run_env(metadata: MetaData) -> None:
    """The body of every service's ``env.py``."""
    url = context.config.get_main_option("sqlalchemy.url") or ""

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=is_sqlite(connection),
            compare_type=True,
        )
        with context.begin_transaction():
            if not is_sqlite(connection):
                # Two instances started together would both create the same tables (the
                # second fails on them): the first to take the lock migrates, the other waits
                # for its commit and then finds the database at the newest revision.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(run())
