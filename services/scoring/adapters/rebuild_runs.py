"""The row of the rebuild running now (``tables.rebuild_runs``): claimed by one rebuild at a
time, its progress written as it goes, removed when it ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.db import SessionFactory, transaction
from services.scoring.adapters.tables import rebuild_runs

THE_RUN = 1


@dataclass(frozen=True)
class RunProgress:
    """How far a rebuild is: its stage (``reading``, ``writing``, ``catching_up``,
    ``swapping``), events read out of the stream's ``total`` messages, when it started and
    when it last said so."""

    stage: str
    done: int
    total: int
    started_at: datetime
    heartbeat_at: datetime


async def claim(sessions: SessionFactory, now: datetime, stale: timedelta) -> RunProgress | None:
    """Make this the running rebuild: None when claimed, else the progress of the one that
    runs (a row whose heartbeat is older than ``stale`` is a dead rebuild's, and taken over)."""
    row = {
        "id": THE_RUN,
        "started_at": now,
        "heartbeat_at": now,
        "stage": "starting",
        "done": 0,
        "total": 0,
    }
    try:
        async with transaction(sessions) as session:
            await session.execute(insert(rebuild_runs).values(**row))
        return None
    except IntegrityError:
        pass
    async with transaction(sessions) as session:
        running = await _read(session)
        if running is None or running.heartbeat_at >= now - stale:
            return running or await claim(sessions, now, stale)
        taken = await session.execute(
            update(rebuild_runs)
            .where(
                rebuild_runs.c.id == THE_RUN,
                rebuild_runs.c.heartbeat_at == running.heartbeat_at,
            )
            .values(**row)
            .returning(rebuild_runs.c.id)
        )
        return None if taken.first() is not None else running


async def report(
    sessions: SessionFactory, now: datetime, stage: str, done: int, total: int
) -> None:
    """Write the running rebuild's progress, and its heartbeat."""
    async with transaction(sessions) as session:
        await session.execute(
            update(rebuild_runs)
            .where(rebuild_runs.c.id == THE_RUN)
            .values(heartbeat_at=now, stage=stage, done=done, total=total)
        )


async def release(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        await session.execute(delete(rebuild_runs).where(rebuild_runs.c.id == THE_RUN))


async def current(sessions: SessionFactory) -> RunProgress | None:
    """The running rebuild's progress, or None."""
    async with sessions() as session:
        return await _read(session)


async def _read(session: AsyncSession) -> RunProgress | None:
    found = (
        await session.execute(select(rebuild_runs).where(rebuild_runs.c.id == THE_RUN))
    ).first()
    if found is None:
        return None
    return RunProgress(found.stage, found.done, found.total, found.started_at, found.heartbeat_at)
