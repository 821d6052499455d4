"""Alembic, per service: each service keeps its revisions in ``services/<name>/migrations`` and
its ``env.py`` calls :func:`run_env` with the service's metadata.

A service migrates on start in a child process running this module (``services.runtime.migrator``
starts it), so that Alembic is never loaded in the serving process:
``WARD5S_MIGRATE_URL=<url> python -m services.runtime.migrations <script_location>``."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.runtime import scrub
from services.runtime.db import is_sqlite, make_sqlite_folder
from services.runtime.migrator import LEVEL_VARIABLE, URL_VARIABLE

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


def main(argv: list[str] | None = None) -> int:
    """The child of ``migrator.upgrade_in_child``: upgrade the database whose URL is in the
    environment (``WARD5S_MIGRATE_URL``) with the revisions at ``argv[0]``. Returns the exit
    status: 0 when at the newest revision, 1 (the scrubbed traceback on stderr) otherwise, 2
    when called wrongly."""
    arguments = sys.argv[1:] if argv is None else argv
    url = os.environ.get(URL_VARIABLE, "")
    if len(arguments) != 1 or not url:
        usage = f"usage: {URL_VARIABLE}=<url> python -m services.runtime.migrations <folder>"
        print(usage, file=sys.stderr)
        return 2
    scrub.install()
    logging.basicConfig(
        level=os.environ.get(LEVEL_VARIABLE, "INFO"),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        upgrade(Path(arguments[0]), url)
    except Exception as error:  # the parent logs this text; it carries no data (scrub)
        print(scrub.format_traceback(error), file=sys.stderr)
        if isinstance(error, CommandError):  # Alembic's own: about revisions, not people
            print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
