"""Stored catalogue versions (the body as published, which one is current, when first used)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters.tables import catalogs


def _version(query: Any, version: str | None) -> Any:
    return (
        query.where(catalogs.c.version == version)
        if version
        else query.where(catalogs.c.current.is_(True))
    )


async def stored_body(session: AsyncSession, version: str | None) -> Any:
    """The JSON body of ``version`` (the current one if None), or None."""
    return await session.scalar(_version(select(catalogs.c.body), version))


async def stamp(session: AsyncSession, version: str | None) -> Row[Any] | None:
    """``version`` (the current one if None) without its body: ``version``, ``published_at``
    (with the version, what names a body: a stored body is never changed) and
    ``first_used_at`` (None until an audit or self-assessment used it); None if unknown."""
    query = select(catalogs.c.version, catalogs.c.published_at, catalogs.c.first_used_at)
    return (await session.execute(_version(query, version))).first()


async def insert(
    session: AsyncSession, version: str, body: Any, published_at: datetime, current: bool
) -> None:
    """Store a new version; a current one makes every other not current."""
    if current:
        await session.execute(update(catalogs).values(current=False))
    await session.execute(
        catalogs.insert().values(
            version=version, body=body, published_at=published_at, current=current
        )
    )


async def mark_used(session: AsyncSession, version: str, now: datetime) -> None:
    await session.execute(
        update(catalogs)
        .where(catalogs.c.version == version, catalogs.c.first_used_at.is_(None))
        .values(first_used_at=now)
    )
