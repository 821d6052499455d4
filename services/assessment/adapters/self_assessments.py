""" "+" self-assessment rows: one per person and month, resubmitted as a new revision."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import ScoredItem
from services.assessment.adapters.rows import add, change, person_month
from services.assessment.adapters.rows import locked as _locked
from services.assessment.adapters.tables import self_assessments


async def locked(
    session: AsyncSession, self_assessment_id: uuid.UUID, ward: str
) -> Row[Any] | None:
    return await _locked(session, self_assessments, "self_assessment_id", self_assessment_id, ward)


async def of_person_locked(
    session: AsyncSession, ward: str, person_id: str, period: str
) -> Row[Any] | None:
    """The person's self-assessment of ``period``, locked (None before the first)."""
    return (
        await session.execute(
            select(self_assessments)
            .where(person_month(self_assessments, ward, person_id, period))
            .with_for_update()
        )
    ).first()


def submitted_values(
    unit_id: str, catalog_version: str, items: Sequence[ScoredItem], now: datetime
) -> dict[str, Any]:
    """A submission's columns, clearing any earlier review."""
    return {
        "unit_id": unit_id,
        "catalog_version": catalog_version,
        "status": "submitted",
        "items": [item.model_dump(mode="json") for item in items],
        "approved_items": None,
        "reviewer_id": None,
        "reason": None,
        "submitted_at": now,
        "reviewed_at": None,
    }


async def insert(
    session: AsyncSession,
    self_assessment_id: uuid.UUID,
    ward: str,
    person_id: str,
    period: str,
    values: dict[str, Any],
) -> None:
    await add(
        session,
        self_assessments,
        self_assessment_id,
        ward=ward,
        person_id=person_id,
        period=period,
        revision=1,
        **values,
    )


async def resubmit(
    session: AsyncSession, self_assessment_id: str, revision: int, values: dict[str, Any]
) -> None:
    await change(session, self_assessments, self_assessment_id, revision=revision, **values)


async def review(
    session: AsyncSession,
    self_assessment_id: str,
    outcome: str,
    approved: Sequence[ScoredItem],
    reviewer_id: str,
    reason: str | None,
    now: datetime,
) -> None:
    await change(
        session,
        self_assessments,
        self_assessment_id,
        status=outcome,
        approved_items=[item.model_dump(mode="json") for item in approved] or None,
        reviewer_id=reviewer_id,
        reason=reason,
        reviewed_at=now,
    )
