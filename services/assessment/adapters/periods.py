"""Months closed or reopened: one row per ward and month once either happened."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.periods import Month
from services.assessment.adapters.tables import (
    audits,
    feedback,
    periods,
    self_assessments,
    task_results,
)
from services.runtime.db import upsert


async def status_of(session: AsyncSession, ward: str, period: str) -> str | None:
    """``closed``, ``reopened``, or None for a month nobody closed or reopened yet."""
    status: str | None = await session.scalar(
        select(periods.c.status).where(periods.c.ward == ward, periods.c.period == period)
    )
    return status


async def row_of(session: AsyncSession, ward: str, period: str) -> Any:
    """The month's row (``status``, ``closes_on``), None for a month nobody closed or reopened."""
    return (
        await session.execute(
            select(periods.c.status, periods.c.closes_on).where(
                periods.c.ward == ward, periods.c.period == period
            )
        )
    ).first()


async def rows_of(session: AsyncSession, ward: str) -> dict[str, Any]:
    """Every month of the ward somebody closed or reopened: its row (``status``,
    ``closes_on``) by ``YYYY-MM``."""
    found = await session.execute(
        select(periods.c.period, periods.c.status, periods.c.closes_on).where(
            periods.c.ward == ward
        )
    )
    return {row.period: row for row in found}


async def close_unless_closed(session: AsyncSession, ward: str, period: str, now: datetime) -> bool:
    """Close the month unless it is closed already; whether this did."""
    values = {"status": "closed", "closed_at": now, "reason": None}
    return await _set_unless(session, ward, period, values, periods.c.status != "closed")


async def reopen_if_closed(
    session: AsyncSession, ward: str, period: str, reason: str, closes_on: date, today: date
) -> bool:
    """Reopen the month until ``closes_on`` if it is closed, has no row yet (closed by its date
    alone), or was reopened until a day before ``today`` (closed again by its deadline, even if
    the automatic close has not recorded it yet); whether this did."""
    values = {"status": "reopened", "reason": reason, "closes_on": closes_on}
    expired = (periods.c.status == "reopened") & (periods.c.closes_on < today)
    return await _set_unless(
        session, ward, period, values, (periods.c.status == "closed") | expired
    )


async def _set_unless(
    session: AsyncSession, ward: str, period: str, values: dict[str, Any], when: Any
) -> bool:
    """Give the month's row ``values``: a new row, or the existing one where ``when`` holds of
    it (one statement, so two instances never both change it); whether a row was written."""
    statement = upsert(session, periods).values(ward=ward, period=period, **values)
    changed = await session.execute(
        statement.on_conflict_do_update(
            index_elements=[periods.c.ward, periods.c.period], set_=values, where=when
        ).returning(periods.c.period)
    )
    return changed.first() is not None


async def close_expired_reopens(
    session: AsyncSession, ward: str, today: date, now: datetime
) -> list[str]:
    """Close again the ward's reopened months whose last open day is before ``today`` (of
    several instances, only the one whose update took gets the month: the others find it
    closed). Returns those it closed."""
    closed = await session.execute(
        update(periods)
        .where(
            periods.c.ward == ward,
            periods.c.status == "reopened",
            periods.c.closes_on < today,
        )
        .values(status="closed", closed_at=now)
        .returning(periods.c.period)
    )
    return sorted(str(period) for period in closed.scalars())


async def close_if_untouched(session: AsyncSession, ward: str, period: str, now: datetime) -> bool:
    """Close a month nobody closed or reopened yet (ON CONFLICT DO NOTHING: of several
    instances, only the one whose insert took gets True)."""
    taken = await session.execute(
        upsert(session, periods)
        .values(ward=ward, period=period, status="closed", closed_at=now)
        .on_conflict_do_nothing(index_elements=[periods.c.ward, periods.c.period])
        .returning(periods.c.period)
    )
    return taken.first() is not None


async def first_active_month(session: AsyncSession, ward: str) -> Month | None:
    """The earliest month of the ward's audits, self-assessments, citizen ratings and task
    results (None when it has none)."""
    firsts = [
        await session.scalar(select(func.min(table.c.period)).where(table.c.ward == ward))
        for table in (audits, self_assessments, feedback, task_results)
    ]
    found = [Month.parse(period) for period in firsts if period]
    return min(found) if found else None
