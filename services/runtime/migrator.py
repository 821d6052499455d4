"""A service's migrations, run in a child process so that the serving process never imports
Alembic: loaded in the service, Alembic and its templates stayed resident (about 11 MiB) for
the life of the process to serve a step that is over before the first request.

The child is ``python -m services.runtime.migrations <script_location>`` on the same
interpreter. The database URL carries the password, so it goes by the child's environment
(:data:`URL_VARIABLE`), never its argv (which ``ps`` shows to every user of the machine).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import services

log = logging.getLogger(__name__)

#: The child's environment variable holding the database URL.
URL_VARIABLE = "WARD5S_MIGRATE_URL"
#: The child's environment variable holding the log level of its own lines.
LEVEL_VARIABLE = "WARD5S_MIGRATE_LOG_LEVEL"
#: The folder that holds the ``services`` package, put first on the child's ``PYTHONPATH`` so
#: that it finds the same code whatever the working directory.
SOURCE_ROOT = Path(services.__file__).resolve().parent.parent


class MigrationFailed(RuntimeError):
    """The child migrating a database exited non-zero; the message is its (scrubbed) error."""


def child_environment(url: str, log_level: str) -> dict[str, str]:
    """The child's environment: this process's, with the URL, the log level and the source."""
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        URL_VARIABLE: url,
        LEVEL_VARIABLE: log_level,
        "PYTHONPATH": f"{SOURCE_ROOT}{os.pathsep}{path}" if path else str(SOURCE_ROOT),
    }


async def upgrade_in_child(script_location: Path, url: str, log_level: str = "INFO") -> None:
    """Bring the database at ``url`` to the newest revision of ``script_location`` in a child
    process (``services.runtime.migrations``), waiting for it to end. Its log lines are logged
    here once it has ended (at INFO, or ERROR when it failed).

    Raises :class:`MigrationFailed` with the child's error text when it exits non-zero. Cancelled,
    it kills the child (a PostgreSQL migration is one transaction: nothing is half done).
    """
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.runtime.migrations",
        str(script_location),
        env=child_environment(url, log_level),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await child.communicate()
    except BaseException:
        if child.returncode is None:
            child.kill()
            await child.wait()
        raise
    text = output.decode(errors="replace").rstrip()
    if child.returncode != 0:
        failure = f"migrating {script_location} failed (exit {child.returncode}):\n{text}"
        log.error("%s", failure)
        raise MigrationFailed(failure)
    if text:
        log.info("migrated %s:\n%s", script_location, text)
