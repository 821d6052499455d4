"""Citizens' ratings, with the comment kept here (never published nor logged)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import FeedbackReceivedData
from services.assessment.adapters.rows import add_described
from services.assessment.adapters.tables import feedback
from services.runtime.db import all_rows


async def insert(session: AsyncSession, data: FeedbackReceivedData, **values: Any) -> None:
    """The rating ``data`` describes (its event's, counted or held), with its own columns
    ``values`` (the comment, the device, the times, why it is held)."""
    await add_described(session, feedback, data, **values)


async def forget_comments(session: AsyncSession, before: datetime) -> int:
    """Erase the comments of ratings given before ``before`` (the capture time, else the
    arrival); how many were erased. The ratings stay."""
    given = func.coalesce(feedback.c.captured_at, feedback.c.received_at)
    erased = await session.execute(
        update(feedback).where(feedback.c.comment.is_not(None), given < before).values(comment=None)
    )
    return int(erased.rowcount or 0)  # type: ignore[attr-defined]


async def count_between(
    session: AsyncSession,
    ward: str,
    since: datetime,
    until: datetime,
    *,
    device_id: str | None = None,
    client_hash: str | None = None,
) -> int:
    """How many ratings of the ward arrived from ``since`` to ``until`` from the device, or
    from the client (by its address's hash), held ones included."""
    arrived = feedback.c.received_at.between(since, until)
    query = select(func.count()).where(feedback.c.ward == ward, arrived)
    if device_id is not None:
        query = query.where(feedback.c.device_id == device_id)
    if client_hash is not None:
        query = query.where(feedback.c.client_hash == client_hash)
    return int(await session.scalar(query) or 0)


async def forget_client_hashes(session: AsyncSession, before: datetime) -> int:
    """Erase the client hashes of ratings that arrived before ``before``; how many."""
    erased = await session.execute(
        update(feedback)
        .where(feedback.c.client_hash.is_not(None), feedback.c.received_at < before)
        .values(client_hash=None)
    )
    return int(erased.rowcount or 0)  # type: ignore[attr-defined]


async def held(session: AsyncSession, ward: str, period: str) -> list[Any]:
    """The ward's ratings of ``period`` held for review, counted by unit, device, reason and
    level (``unit_id, device_id, held, level, count``)."""
    columns = (feedback.c.unit_id, feedback.c.device_id, feedback.c.held, feedback.c.level)
    return await all_rows(
        session,
        select(*columns, func.count().label("count"))
        .where(feedback.c.ward == ward, feedback.c.period == period, feedback.c.held.is_not(None))
        .group_by(*columns)
        .order_by(*columns),
    )


async def held_rows(
    session: AsyncSession, ward: str, period: str, unit_id: str, device_id: str | None
) -> list[Any]:
    """The held ratings of a unit's month (one device's when given), oldest first, locked."""
    query = select(feedback).where(
        feedback.c.ward == ward,
        feedback.c.period == period,
        feedback.c.unit_id == unit_id,
        feedback.c.held.is_not(None),
    )
    if device_id is not None:
        query = query.where(feedback.c.device_id == device_id)
    return await all_rows(session, query.order_by(feedback.c.received_at).with_for_update())


async def count(session: AsyncSession, ward: str, feedback_ids: list[str]) -> None:
    """Count the given held ratings: they are held no more."""
    await session.execute(
        update(feedback)
        .where(feedback.c.ward == ward, feedback.c.feedback_id.in_(feedback_ids))
        .values(held=None)
    )
