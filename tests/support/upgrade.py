"""Upgrade tests' tools (issue 21, item 6): a service's database at the previous release's
schema, and every row it holds, to compare before and after this release migrates and serves it.

The previous release's schema is the newest revision's parent. Its data is what this release
wrote, migrated down by the newest revision's own downgrade: exactly what that schema can hold,
whatever the newest migration changed (new tables, new columns)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from nats.js import JetStreamContext
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import create_async_engine

from contracts.streams import DEAD_LETTERS
from services.runtime.migrations import alembic_config

#: Each table's column names and its rows (sorted), by table.
Rows = dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]


def previous_release(migrations: Path, url: str) -> str:
    """The revision before this release's newest one."""
    script = ScriptDirectory.from_config(alembic_config(migrations, url))
    head = script.get_revision(script.get_current_head())
    assert head is not None and isinstance(head.down_revision, str)
    return head.down_revision


async def to_previous_release(migrations: Path, url: str) -> str:
    """Migrate the database at ``url`` down to the previous release's schema; its revision."""
    previous = previous_release(migrations, url)
    await asyncio.to_thread(command.downgrade, alembic_config(migrations, url), previous)
    return previous


async def every_row(
    url: str, leave_out: dict[str, set[str]] | None = None, like: Rows | None = None
) -> Rows:
    """Every table's rows as the database's schema has them now: its own columns, less those of
    ``leave_out`` (by table: e.g. the outbox's publication marks, which the relay sets); or, with
    ``like``, the tables and columns of that earlier reading alone. ``alembic_version`` is left
    out."""
    leave_out = leave_out or {}
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            schema = MetaData()
            await connection.run_sync(schema.reflect)
            found: Rows = {}
            for name, table in sorted(schema.tables.items()):
                if name == "alembic_version" or (like is not None and name not in like):
                    continue
                if like is not None:
                    names = like[name][0]
                else:
                    skip = leave_out.get(name, set())
                    names = tuple(c.name for c in table.columns if c.name not in skip)
                rows = (await connection.execute(select(*(table.c[n] for n in names)))).all()
                found[name] = (names, sorted((tuple(row) for row in rows), key=repr))
        return found
    finally:
        await engine.dispose()


def changes(before: Rows, after: Rows) -> dict[str, str]:
    """What changed in ``after`` (read ``like`` ``before``) from ``before``: by table, a short
    account; empty when nothing did. A table the new release drops (its data moved elsewhere
    by the migration, which its own test checks) counts only if it held rows here."""
    changed: dict[str, str] = {}
    for table, (_, rows) in before.items():
        if table not in after:
            if rows:
                changed[table] = f"gone with its {len(rows)} rows"
            continue
        now = after[table][1]
        if now != rows:
            gone = [row for row in rows if row not in now]
            new = [row for row in now if row not in rows]
            changed[table] = f"{len(gone)} rows gone or changed, {len(new)} new: {new[:3]!r}"
    return changed


async def dead_letters(js: JetStreamContext) -> int:
    """Messages dead-lettered so far (a message of the previous release a consumer could not
    read lands there)."""
    try:
        info = await js.stream_info(DEAD_LETTERS.name)
    except Exception:  # not created: nothing was dead-lettered
        return 0
    return int(info.state.messages)
