"""Citizen feedback: ratings per unit, month and level, and "Rất không hài lòng" per local
day."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.db import upsert
from services.scoring.adapters.month_sums import Selection, per_unit_month
from services.scoring.adapters.tables import (
    unit_day_very_dissatisfied,
    unit_month_feedback,
)


async def add_feedback(
    session: AsyncSession, counts: Mapping[tuple[str, str, str, int], int]
) -> None:
    """Add ratings per (ward, unit, month, level)."""
    if not counts:
        return
    t = unit_month_feedback
    statement = upsert(session, t)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["ward", "unit_id", "month", "level"],
            set_={"ratings": t.c.ratings + statement.excluded.ratings},
        ),
        [
            {"ward": w, "unit_id": u, "month": m, "level": level, "ratings": n}
            for (w, u, m, level), n in sorted(counts.items())
        ],
    )


async def add_very_dissatisfied(
    session: AsyncSession, counts: Mapping[tuple[str, str, date], int]
) -> dict[tuple[str, str, date], int]:
    """Add "Rất không hài lòng" ratings per (ward, unit, day); returns each day's new count."""
    t = unit_day_very_dissatisfied
    after = {}
    for (ward, unit, day), n in sorted(counts.items()):
        statement = upsert(session, t).values(ward=ward, unit_id=unit, day=day, ratings=n)
        statement = statement.on_conflict_do_update(
            index_elements=["ward", "unit_id", "day"],
            set_={"ratings": t.c.ratings + statement.excluded.ratings},
        ).returning(t.c.ratings)
        after[(ward, unit, day)] = int((await session.execute(statement)).scalar_one())
    return after


async def feedback_counts(
    session: AsyncSession, wanted: Selection
) -> dict[tuple[str, str], dict[int, int]]:
    """Per (unit, month) ``wanted`` selects: the ratings per level."""
    return await per_unit_month(session, unit_month_feedback, _level_ratings, wanted)


def _level_ratings(r: Any) -> tuple[int, int]:
    return r.level, r.ratings
