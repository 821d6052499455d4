"""Single-use rating codes, kept by their SHA-256 only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters.tables import rating_codes


async def add(
    session: AsyncSession,
    ward: str,
    unit_id: str,
    hashes: Sequence[str],
    issued_by: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    rows = [
        {
            "ward": ward,
            "code_hash": code_hash,
            "unit_id": unit_id,
            "issued_by": issued_by,
            "issued_at": now,
            "expires_at": expires_at,
        }
        for code_hash in hashes
    ]
    await session.execute(rating_codes.insert(), rows)


async def use(
    session: AsyncSession, ward: str, unit_id: str, code_hash: str, now: datetime
) -> bool:
    """Use the unit's code once, in one statement (two ratings cannot both use it): whether it
    was there, unused and not expired."""
    t = rating_codes
    used = await session.execute(
        update(t)
        .where(
            t.c.ward == ward,
            t.c.code_hash == code_hash,
            t.c.unit_id == unit_id,
            t.c.used_at.is_(None),
            t.c.expires_at > now,
        )
        .values(used_at=now)
    )
    return bool(used.rowcount)  # type: ignore[attr-defined]
