"""Citizens' ratings, with the comment kept here (never published nor logged)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters.tables import feedback


async def insert(session: AsyncSession, **values: Any) -> None:
    await session.execute(feedback.insert().values(**values))


async def forget_comments(session: AsyncSession, before: datetime) -> int:
    """Erase the comments of ratings given before ``before`` (the capture time, else the
    arrival); how many were erased. The ratings stay."""
    given = func.coalesce(feedback.c.captured_at, feedback.c.received_at)
    erased = await session.execute(
        update(feedback).where(feedback.c.comment.is_not(None), given < before).values(comment=None)
    )
    return int(erased.rowcount or 0)  # type: ignore[attr-defined]
