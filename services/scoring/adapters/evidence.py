"""What is behind a figure (``?explain=true``): the live audits and reviews, with the events
applied."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters.records import sums_from_json
from services.scoring.adapters.tables import audit_records, review_records
from services.scoring.domain.aggregates import Contribution


async def live_audits(
    session: AsyncSession, ward: str, unit_id: str, months: Iterable[str]
) -> list[tuple[dict[str, object], Contribution]]:
    """The audits that make up a unit's figures: each one's id, month, revision and the event
    applied, with what that revision adds to each pillar (its record's sums, as kept)."""
    t = audit_records
    subject = t.c.unit_id == unit_id
    rows = await _live(session, t, t.c.audit_id, subject, ward, months, last=(t.c.sums,))
    found = []
    for row in rows:
        sums: Any = row.pop("sums")  # {pillar: [points, max points, scored, N/A]}
        found.append((row, sums_from_json(sums)))
    return found


async def live_reviews(
    session: AsyncSession, ward: str, person_id: str, months: Iterable[str]
) -> list[dict[str, object]]:
    """The reviews behind a person's "+": id, month, revision and the event applied."""
    t = review_records
    return await _live(session, t, t.c.self_assessment_id, t.c.person_id == person_id, ward, months)


async def live_unit_reviews(
    session: AsyncSession, ward: str, unit_id: str, months: Iterable[str]
) -> list[dict[str, object]]:
    """The reviews behind a unit's "+": self-assessment id, person, month, revision and the
    event applied, of every live (not returned) review of the months that names the unit."""
    t = review_records
    subject = t.c.unit_id == unit_id
    return await _live(session, t, t.c.self_assessment_id, subject, ward, months, t.c.person_id)


async def _live(
    session: AsyncSession,
    t: Table,
    document_id: Column[str],
    subject: ColumnElement[bool],
    ward: str,
    months: Iterable[str],
    *also: Column[str],
    last: tuple[Column[Any], ...] = (),
) -> list[dict[str, object]]:
    rows = await session.execute(
        select(document_id, *also, t.c.month, t.c.revision, t.c.event_id, *last)
        .where(t.c.ward == ward, subject, t.c.month.in_(list(months)), t.c.live)
        .order_by(t.c.month, document_id)
    )
    return [dict(r._mapping) for r in rows]
