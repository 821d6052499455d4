"""The period reports issued to the ward committee, and the closed months they wait on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.periods import Period
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


async def record_issued(
    session: AsyncSession, ward: str, period: str, now: datetime, fingerprint: str
) -> bool:
    """Record the period's report as issued (revision 1, the ``fingerprint`` of its figures)
    unless it was already (ON CONFLICT DO NOTHING: of several instances, only the one whose
    insert took gets True, and it alone emits)."""
    taken = await session.execute(
        upsert(session, period_reports)
        .values(
            ward=ward,
            period=period,
            issued_at=now,
            revision=1,
            fingerprint=fingerprint,
            checked_at=now,
        )
        .on_conflict_do_nothing(index_elements=[period_reports.c.ward, period_reports.c.period])
        .returning(period_reports.c.period)
    )
    return taken.first() is not None


@dataclass(frozen=True)
class ClosedAgain:
    """An issued report one of whose months was closed after it was last checked."""

    ward: str
    period: str
    #: The revision last issued, and the fingerprint of its figures (None if not kept).
    revision: int
    fingerprint: str | None
    #: The latest close of the period's months.
    last_close: datetime


async def closed_again(session: AsyncSession) -> list[ClosedAgain]:
    """Every issued report whose months are all closed, one of them after the report was last
    checked (``checked_at``, else when it was issued), oldest period first in each ward."""
    r, m = period_reports, periods
    closes: dict[tuple[str, str], datetime] = {
        (c.ward, c.period): c.closed_at
        for c in await session.execute(
            select(m.c.ward, m.c.period, m.c.closed_at).where(
                m.c.status == "closed", m.c.closed_at.is_not(None)
            )
        )
    }
    found = []
    for row in await session.execute(select(r).order_by(r.c.ward, r.c.period)):
        months = [(row.ward, month.key) for month in Period.parse(row.period).months()]
        if not all(key in closes for key in months):
            continue  # a month open again, or closed by its date alone: not final
        last = max(closes[key] for key in months)
        if last > (row.checked_at or row.issued_at):
            found.append(ClosedAgain(row.ward, row.period, row.revision, row.fingerprint, last))
    return found


async def record_corrected(
    session: AsyncSession, again: ClosedAgain, fingerprint: str, now: datetime
) -> bool:
    """Record the corrected report ``again.revision + 1`` unless another instance did first
    (the update takes only from the revision read); whether this call did, and alone emits."""
    r = period_reports
    taken = await session.execute(
        update(r)
        .where(r.c.ward == again.ward, r.c.period == again.period, r.c.revision == again.revision)
        .values(revision=again.revision + 1, fingerprint=fingerprint, checked_at=now)
        .returning(r.c.period)
    )
    return taken.first() is not None


async def record_checked(session: AsyncSession, again: ClosedAgain, now: datetime) -> None:
    """Record the close as weighed: the report stands as mailed."""
    r = period_reports
    await session.execute(
        update(r)
        .where(r.c.ward == again.ward, r.c.period == again.period, r.c.revision == again.revision)
        .values(checked_at=now)
    )
