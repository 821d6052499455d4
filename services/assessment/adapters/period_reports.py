"""The period reports issued to the ward committee, and the closed months they wait on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters.tables import period_reports, periods
from services.runtime.db import upsert


async def closed_from(session: AsyncSession, ward: str, first: str) -> list[str]:
    """The ward's months (YYYY-MM) from ``first`` on that are closed, oldest first."""
    rows = await session.scalars(
        select(periods.c.period)
        .where(periods.c.ward == ward, periods.c.status == "closed", periods.c.period >= first)
        .order_by(periods.c.period)
    )
    return list(rows)


async def closed_among(session: AsyncSession, ward: str, months: Iterable[str]) -> set[str]:
    """Which of ``months`` the ward has closed (and not reopened)."""
    rows = await session.scalars(
        select(periods.c.period).where(
            periods.c.ward == ward, periods.c.status == "closed", periods.c.period.in_(months)
        )
    )
    return set(rows)


async def issued_among(session: AsyncSession, ward: str, keys: Iterable[str]) -> set[str]:
    """Which of the periods ``keys`` already had their report issued."""
    rows = await session.scalars(
        select(period_reports.c.period).where(
            period_reports.c.ward == ward, period_reports.c.period.in_(keys)
        )
    )
    return set(rows)


async def record_issued(session: AsyncSession, ward: str, period: str, now: datetime) -> bool:
    """Record the period's report as issued unless it was already (ON CONFLICT DO NOTHING: of
    several instances, only the one whose insert took gets True, and it alone emits)."""
    taken = await session.execute(
        upsert(session, period_reports)
        .values(ward=ward, period=period, issued_at=now)
        .on_conflict_do_nothing(index_elements=[period_reports.c.ward, period_reports.c.period])
        .returning(period_reports.c.period)
    )
    return taken.first() is not None
