"""Citizens' ratings, with the comment kept here (never published nor logged)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters.tables import feedback


async def insert(session: AsyncSession, **values: Any) -> None:
    await session.execute(feedback.insert().values(**values))
