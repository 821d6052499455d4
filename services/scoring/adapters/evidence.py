"""What is behind a figure (``?explain=true``): the live audits and reviews, with the events
applied."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters.tables import (
    audit_records,
    review_records,
)


async def live_audits(
    session: AsyncSession, ward: str, unit_id: str, months: Iterable[str]
) -> list[dict[str, object]]:
    """The audits that make up a unit's figures: id, month, revision and the event applied."""
    t = audit_records
    rows = await session.execute(
        select(t.c.audit_id, t.c.month, t.c.revision, t.c.event_id)
        .where(t.c.ward == ward, t.c.unit_id == unit_id, t.c.month.in_(list(months)), t.c.live)
        .order_by(t.c.month, t.c.audit_id)
    )
    return [dict(r._mapping) for r in rows]


async def live_reviews(
    session: AsyncSession, ward: str, person_id: str, months: Iterable[str]
) -> list[dict[str, object]]:
    t = review_records
    rows = await session.execute(
        select(t.c.self_assessment_id, t.c.month, t.c.revision, t.c.event_id)
        .where(t.c.ward == ward, t.c.person_id == person_id, t.c.month.in_(list(months)), t.c.live)
        .order_by(t.c.month)
    )
    return [dict(r._mapping) for r in rows]
