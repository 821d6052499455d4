"""Each ward's stored working calendar: its version and its declared days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import CalendarDay
from services.assessment.adapters.tables import calendar_days, ward_calendars, wards
from services.runtime.db import upsert


async def version_of(session: AsyncSession, ward: str) -> int | None:
    """The stored calendar's version, None before it is stored."""
    version: int | None = await session.scalar(
        select(ward_calendars.c.version).where(ward_calendars.c.ward == ward)
    )
    return version


async def stored_days(session: AsyncSession, ward: str) -> tuple[CalendarDay, ...] | None:
    """The ward's declared days by date, or None when its calendar is not stored yet."""
    if await version_of(session, ward) is None:
        return None
    rows = (
        await session.execute(
            select(calendar_days).where(calendar_days.c.ward == ward).order_by(calendar_days.c.day)
        )
    ).all()
    return tuple(CalendarDay(day=r.day, working=r.working, reason=r.reason) for r in rows)


async def create(session: AsyncSession, ward: str, now: datetime) -> bool:
    """Store version 1 of the ward's calendar unless there is one (ON CONFLICT DO NOTHING: of
    several instances only one gets True)."""
    taken = await session.execute(
        upsert(session, ward_calendars)
        .values(ward=ward, version=1, updated_at=now)
        .on_conflict_do_nothing(index_elements=[ward_calendars.c.ward])
        .returning(ward_calendars.c.version)
    )
    return taken.first() is not None


async def insert_days(
    session: AsyncSession, ward: str, days: Sequence[CalendarDay], by: str, now: datetime
) -> None:
    if days:
        await session.execute(
            calendar_days.insert(),
            [
                {
                    "ward": ward,
                    "day": d.day,
                    "working": d.working,
                    "reason": d.reason,
                    "declared_by": by,
                    "declared_at": now,
                }
                for d in days
            ],
        )


async def wards_without_calendar(session: AsyncSession) -> Sequence[str]:
    return (
        await session.scalars(
            select(wards.c.ward).where(wards.c.ward.not_in(select(ward_calendars.c.ward)))
        )
    ).all()


async def bump_version(session: AsyncSession, ward: str, now: datetime) -> int:
    """Lock the ward's calendar row and move it to its next version; returns it."""
    version = await session.scalar(
        select(ward_calendars.c.version).where(ward_calendars.c.ward == ward).with_for_update()
    )
    next_version = int(version or 0) + 1
    await session.execute(
        update(ward_calendars)
        .where(ward_calendars.c.ward == ward)
        .values(version=next_version, updated_at=now)
    )
    return next_version


async def declared(session: AsyncSession, ward: str, day: date) -> CalendarDay | None:
    row = (
        await session.execute(
            select(calendar_days).where(calendar_days.c.ward == ward, calendar_days.c.day == day)
        )
    ).first()
    return None if row is None else CalendarDay(day=row.day, working=row.working, reason=row.reason)


async def declare(
    session: AsyncSession, ward: str, day: CalendarDay, by: str, now: datetime
) -> None:
    values = {"working": day.working, "reason": day.reason, "declared_by": by, "declared_at": now}
    statement = upsert(session, calendar_days).values(ward=ward, day=day.day, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[calendar_days.c.ward, calendar_days.c.day], set_=values
        )
    )


async def remove(session: AsyncSession, ward: str, day: date) -> bool:
    """Remove the declaration of ``day``; whether there was one."""
    removed = await session.execute(
        delete(calendar_days)
        .where(calendar_days.c.ward == ward, calendar_days.c.day == day)
        .returning(calendar_days.c.day)
    )
    return removed.first() is not None
