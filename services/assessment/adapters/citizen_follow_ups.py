"""Call-backs owed to dissatisfied citizens who left a contact: the contact kept here apart
from the rating (never published nor logged) and erased after its retention."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import CitizenFollowUpData
from services.assessment.adapters.rows import add_described, change
from services.assessment.adapters.rows import counts_by_unit as by_unit
from services.assessment.adapters.rows import locked as _locked
from services.assessment.adapters.tables import citizen_follow_ups as follow_ups
from services.assessment.adapters.tables import feedback


async def insert(session: AsyncSession, data: CitizenFollowUpData, **values: Any) -> None:
    """The follow-up ``data`` announces, open, with its own columns ``values`` (the contact)."""
    await add_described(session, follow_ups, data, status="open", **values)


async def locked(session: AsyncSession, follow_up_id: uuid.UUID, ward: str) -> Row[Any] | None:
    return await _locked(session, follow_ups, "follow_up_id", follow_up_id, ward)


async def done(
    session: AsyncSession, follow_up_id: uuid.UUID, by: str, note: str, now: datetime
) -> None:
    await change(
        session, follow_ups, follow_up_id, status="done", done_at=now, done_by=by, note=note
    )


async def forget_contacts(session: AsyncSession, before: datetime) -> int:
    """Erase the contacts of follow-ups opened before ``before``; how many. The follow-ups
    stay (their outcome is the unit's record)."""
    erased = await session.execute(
        update(follow_ups)
        .where(follow_ups.c.contact.is_not(None), follow_ups.c.opened_at < before)
        .values(contact=None)
    )
    return int(erased.rowcount or 0)  # type: ignore[attr-defined]


async def listed(
    session: AsyncSession, ward: str, unit_ids: Sequence[str] | None, status: str | None
) -> Sequence[Row[Any]]:
    """The ward's follow-ups of ``unit_ids`` (every unit when None), of ``status`` when given,
    oldest due first, each with its rating's ``comment`` (None once erased past retention)."""
    t = follow_ups.c
    rated = follow_ups.join(feedback, feedback.c.feedback_id == t.feedback_id)
    query = select(follow_ups, feedback.c.comment).select_from(rated).where(t.ward == ward)
    if unit_ids is not None:
        query = query.where(t.unit_id.in_(list(unit_ids)))
    if status is not None:
        query = query.where(t.status == status)
    return (await session.execute(query.order_by(t.due_on, t.opened_at))).all()


async def counts_by_unit(
    session: AsyncSession, ward: str, months: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Per unit, the follow-ups of ratings of ``months``: ``opened`` and how many are
    ``done``."""
    return await by_unit(session, follow_ups, ward, months, "done", ("opened", "done"))
