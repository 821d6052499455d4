"""SQLite databases built once a test session and copied for every test that asks for them: a
test still has a database of its own (what it writes no other test sees), without creating the
tables and loading the same data again. A file copied (:func:`from_template`: scoring's API
tests, whose app opens a URL: ``tests.scoring.projection.fed_copy``) or an in-memory database
replaying the template's SQL dump (:func:`in_memory_from`: assessment's handler tests on the
demo ward, ``tests.assessment.conftest.demo_sessions``)."""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, closing
from pathlib import Path

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import StaticPool

from services.runtime.db import SessionFactory, session_factory
from services.runtime.uow import in_memory

#: The templates built so far, by name: their SQLite files, and their SQL dumps.
_TEMPLATES: dict[str, Path] = {}
_DUMPS: dict[str, str] = {}


def _template_dir() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="ward5s-templates-"))
    atexit.register(shutil.rmtree, directory, True)
    return directory


async def from_template(path: Path, name: str, build: Callable[[str], Awaitable[None]]) -> str:
    """The SQLAlchemy URL of a SQLite database at ``path``, a copy of template ``name``:
    ``build(url)`` makes the template the first time ``name`` is asked for in this process."""
    if name not in _TEMPLATES:
        template = _template_dir() / f"{name}.db"
        await build(f"sqlite+aiosqlite:///{template}")
        _TEMPLATES[name] = template
    # SQLite's own copy: whole and consistent whatever is left in the write-ahead log.
    source, target = sqlite3.connect(_TEMPLATES[name]), sqlite3.connect(path)
    with closing(source), closing(target):
        source.backup(target)
    return f"sqlite+aiosqlite:///{path}"


@asynccontextmanager
async def in_memory_from(
    name: str, metadata: MetaData, build: Callable[[SessionFactory], Awaitable[object]]
) -> AsyncIterator[SessionFactory]:
    """Sessions on a fresh in-memory database (as ``runtime.uow.in_memory``) holding template
    ``name``: ``metadata``'s tables with what ``build(sessions)`` wrote, built the first time
    ``name`` is asked for in this process and replayed from its SQL dump after that."""
    if name not in _DUMPS:
        async with in_memory(metadata) as sessions:
            await build(sessions)
            async with sessions() as session:
                raw = await (await session.connection()).get_raw_connection()
                driver = raw.driver_connection  # aiosqlite's connection
                assert driver is not None
                _DUMPS[name] = "\n".join([line async for line in driver.iterdump()])
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    try:
        async with engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.executescript(_DUMPS[name])
        yield session_factory(engine)
    finally:
        await engine.dispose()
