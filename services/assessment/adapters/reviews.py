"""Periodic review rows (họp đánh giá, rút kinh nghiệm) and their follow-ups; the corrective
action counts a review attaches."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import PeriodReviewWrittenData, ReviewFollowUp
from services.assessment.adapters.rows import add_described, as_columns, change, closing
from services.assessment.adapters.rows import locked as _locked
from services.assessment.adapters.tables import corrective_actions, period_reviews
from services.assessment.adapters.tables import review_follow_ups as follow_ups


async def exists(session: AsyncSession, ward: str, unit_id: str, period: str) -> bool:
    found = await session.scalar(
        select(period_reviews.c.review_id).where(
            period_reviews.c.ward == ward,
            period_reviews.c.unit_id == unit_id,
            period_reviews.c.period == period,
        )
    )
    return found is not None


async def insert_review(
    session: AsyncSession, data: PeriodReviewWrittenData, **values: Any
) -> None:
    """The review ``data`` announces (its follow-ups apart: :func:`insert_follow_up`), with its
    own columns ``values`` (the ward, its text and figures, when it was written)."""
    await add_described(session, period_reviews, as_columns(data, "follow_ups"), **values)


async def insert_follow_up(
    session: AsyncSession, follow_up: ReviewFollowUp, review: PeriodReviewWrittenData, **values: Any
) -> None:
    """One of ``review``'s follow-ups, open, with its own columns ``values`` (the ward, the
    task)."""
    await add_described(
        session,
        follow_ups,
        follow_up,
        review_id=str(review.review_id),
        unit_id=review.unit_id,
        status="open",
        evidence=[],
        **values,
    )


async def locked_review(session: AsyncSession, review_id: uuid.UUID, ward: str) -> Row[Any] | None:
    return await _locked(session, period_reviews, "review_id", review_id, ward)


async def locked_follow_up(
    session: AsyncSession, follow_up_id: uuid.UUID, ward: str
) -> Row[Any] | None:
    return await _locked(session, follow_ups, "follow_up_id", follow_up_id, ward)


async def acknowledge(
    session: AsyncSession, review_id: uuid.UUID, by: str, note: str | None, now: datetime
) -> None:
    await change(
        session,
        period_reviews,
        review_id,
        acknowledged_at=now,
        acknowledged_by=by,
        acknowledgement=note,
    )


async def close_follow_up(
    session: AsyncSession,
    follow_up_id: uuid.UUID,
    by: str,
    note: str,
    evidence: Sequence[str],
    now: datetime,
) -> None:
    await change(session, follow_ups, follow_up_id, **closing(by, note, evidence, now))


async def action_counts(
    session: AsyncSession, ward: str, unit_id: str, months: Sequence[str], today: date
) -> dict[str, int]:
    """The unit's corrective actions: ``opened`` on audits of ``months`` and how many of those
    are ``closed``; ``open`` now (of any month) and how many of them are ``overdue`` (due
    before ``today``)."""
    t = corrective_actions.c
    of_unit = (t.ward == ward, t.unit_id == unit_id)
    period_row = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((t.status == "closed", 1), else_=0)), 0),
            ).where(*of_unit, t.period.in_(list(months)))
        )
    ).one()
    open_row = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((t.due_on < today, 1), else_=0)), 0),
            ).where(*of_unit, t.status == "open")
        )
    ).one()
    return {
        "opened": int(period_row[0]),
        "closed": int(period_row[1]),
        "open": int(open_row[0]),
        "overdue": int(open_row[1]),
    }


async def reviews_of(
    session: AsyncSession, ward: str, unit_ids: Sequence[str] | None, period: str | None
) -> tuple[Sequence[Row[Any]], Sequence[Row[Any]]]:
    """The reviews of ``unit_ids`` (every unit when None), of ``period`` when given, newest
    period first, and their follow-ups in due order."""
    query = select(period_reviews).where(period_reviews.c.ward == ward)
    if unit_ids is not None:
        query = query.where(period_reviews.c.unit_id.in_(list(unit_ids)))
    if period is not None:
        query = query.where(period_reviews.c.period == period)
    reviews = (
        await session.execute(
            query.order_by(period_reviews.c.period.desc(), period_reviews.c.unit_id)
        )
    ).all()
    ids = [r.review_id for r in reviews]
    tasks = (
        await session.execute(
            select(follow_ups)
            .where(follow_ups.c.review_id.in_(ids))
            .order_by(follow_ups.c.due_on, follow_ups.c.follow_up_id)
        )
    ).all()
    return reviews, tasks
