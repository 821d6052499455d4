"""The administrators' actions as recorded (``admin_actions``): written with the action, read by
the chairman."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import AdminActionRecordedData
from services.assessment.adapters.rows import add_described
from services.assessment.adapters.tables import admin_actions


async def insert(session: AsyncSession, data: AdminActionRecordedData, **values: Any) -> None:
    """The action ``data`` records, with its own columns ``values`` (its id, the ward, the
    actor, when)."""
    await add_described(session, admin_actions, data, **values)


async def since(
    session: AsyncSession, ward: str, moment: datetime | None, limit: int
) -> Sequence[Row[Any]]:
    """The ward's actions recorded at or after ``moment`` (all if None), oldest first, at most
    ``limit``."""
    t = admin_actions
    query = select(t).where(t.c.ward == ward)
    if moment is not None:
        query = query.where(t.c.recorded_at >= moment)
    return (await session.execute(query.order_by(t.c.id).limit(limit))).all()
