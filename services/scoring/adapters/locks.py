"""Advisory locks on PostgreSQL: one per ward for every read-modify-write of the projection,
and one over every ward for a rebuild's swap (SQLite has one writer and needs none)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import (
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.db import is_postgres


def _lock_id(ward: str) -> int:
    digest = hashlib.blake2b(f"ward5s-scoring:{ward}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


#: Held shared by every batch, exclusively by a rebuild's swap: the swap sees no batch midway.
EVERY_WARD = _lock_id("*")


async def lock_everything(session: AsyncSession) -> None:
    """Wait for the batches in progress and hold off new ones until the transaction ends."""
    if is_postgres(session):
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": EVERY_WARD})


async def lock_wards(session: AsyncSession, wards: Iterable[str]) -> None:
    """Serialise the scoring of each ward across instances until the transaction ends.

    Several instances share the durable consumer, so two batches touching the same audit,
    person or flag may run at once; every read-modify-write of the projection happens under its
    ward's lock, taken in one order so two instances never deadlock. (SQLite has one writer.)
    """
    if not is_postgres(session):
        return
    await session.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": EVERY_WARD})
    ids = sorted({_lock_id(ward) for ward in wards})
    if ids:
        await session.execute(
            text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:ids AS bigint[])) AS k"),
            {"ids": ids},
        )
