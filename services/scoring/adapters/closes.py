"""Closed months and the marks of what changed after its month closed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import (
    delete,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.bulk import one_of
from services.runtime.db import upsert
from services.scoring.adapters.tables import (
    closed_periods,
    late_marks,
)


async def close_periods(session: AsyncSession, closes: Mapping[tuple[str, str], datetime]) -> None:
    if not closes:
        return
    await session.execute(
        upsert(session, closed_periods)
        .values(
            [{"ward": w, "period": p, "closed_at": at} for (w, p), at in sorted(closes.items())]
        )
        .on_conflict_do_nothing()
    )


async def reopen_periods(session: AsyncSession, reopens: Iterable[tuple[str, str]]) -> None:
    t = closed_periods
    for ward, period in sorted(set(reopens)):
        await session.execute(delete(t).where(t.c.ward == ward, t.c.period == period))


async def closed_months(session: AsyncSession, ward: str, months: Iterable[str]) -> set[str]:
    t = closed_periods
    return set(
        await session.scalars(
            select(t.c.period).where(t.c.ward == ward, t.c.period.in_(list(months)))
        )
    )


async def all_closed(session: AsyncSession, ward: str, months: Iterable[str]) -> bool:
    """Whether every one of ``months`` (keys ``YYYY-MM``) is closed, so a period's figures
    are final."""
    wanted = set(months)
    return wanted <= await closed_months(session, ward, wanted)


async def mark_late(
    session: AsyncSession, marks: Iterable[tuple[str, str, str, str]], now: datetime
) -> None:
    """Record (ward, subject kind, subject id, month)s changed after their month closed, at
    ``now`` (the batch's time)."""
    rows = [
        {"ward": w, "subject_kind": k, "subject_id": s, "month": m, "marked_at": now}
        for w, k, s, m in sorted(set(marks))
    ]
    if rows:
        await session.execute(upsert(session, late_marks).values(rows).on_conflict_do_nothing())


async def closed_and_late(
    session: AsyncSession, ward: str, kind: str, subject_id: str, months: Iterable[str]
) -> tuple[set[str], set[str]]:
    """Which of the months are closed, and in which the subject changed after the close (one
    round trip: the query API answers with both)."""
    months = list(months)
    c, t = closed_periods, late_marks
    query = union_all(
        select(literal("closed").label("what"), c.c.period.label("month")).where(
            c.c.ward == ward, one_of(session, c.c.period, months)
        ),
        select(literal("late").label("what"), t.c.month.label("month")).where(
            t.c.ward == ward,
            t.c.subject_kind == kind,
            t.c.subject_id == subject_id,
            one_of(session, t.c.month, months),
        ),
    )
    found: dict[str, set[str]] = {"closed": set(), "late": set()}
    for what, month in await session.execute(query):
        found[what].add(month)
    return found["closed"], found["late"]
