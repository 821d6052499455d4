"""Task results: per person and month, the one recorded last in event time wins, in one
statement."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from sqlalchemy import (
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.db import upsert
from services.scoring.adapters.month_sums import PersonMonthKey
from services.scoring.adapters.tables import (
    task_results,
)


class TaskResult(NamedTuple):
    points: float
    disqualified: bool
    event_id: str


async def record_task_results(
    session: AsyncSession, results: Mapping[PersonMonthKey, tuple[float, int, str, bool]]
) -> None:
    """Keep, per person-month, the task result with the latest event time (µs, then event id)."""
    if not results:
        return
    rows = [
        {
            "ward": w,
            "person_id": p,
            "month": m,
            "points": points,
            "disqualified": disqualified,
            "recorded_us": at,
            "event_id": event_id,
        }
        for (w, p, m), (points, at, event_id, disqualified) in sorted(results.items())
    ]
    t = task_results
    statement = upsert(session, t)
    excluded = statement.excluded
    newer = tuple_(excluded.recorded_us, excluded.event_id) > tuple_(t.c.recorded_us, t.c.event_id)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["ward", "person_id", "month"],
            set_={
                "points": excluded.points,
                "disqualified": excluded.disqualified,
                "recorded_us": excluded.recorded_us,
                "event_id": excluded.event_id,
            },
            where=newer,
        ),
        rows,
    )


async def task_points(
    session: AsyncSession, ward: str, person_ids: Iterable[str] | None, months: Iterable[str]
) -> dict[tuple[str, str], TaskResult]:
    """Per (person, month): the task points, whether disqualified, and the event they came in."""
    t = task_results
    query = select(t).where(t.c.ward == ward, t.c.month.in_(list(months)))
    if person_ids is not None:
        query = query.where(t.c.person_id.in_(list(person_ids)))
    return {
        (r.person_id, r.month): TaskResult(r.points, r.disqualified, r.event_id)
        for r in await session.execute(query)
    }
