"""Photo evidence's rows: who uploaded which photo, its type and size, and the audit that cites
it (the bytes are in the object store: ``photo_store.py``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters.rows import add
from services.assessment.adapters.tables import evidence
from services.assessment.domain.photos import CleanPhoto


async def insert(
    session: AsyncSession,
    evidence_id: str,
    ward: str,
    uploaded_by: str,
    photo: CleanPhoto,
    now: datetime,
) -> None:
    await add(
        session,
        evidence,
        evidence_id,
        ward=ward,
        uploaded_by=uploaded_by,
        content_type=photo.content_type,
        sha256=photo.sha256,
        size=len(photo.data),
        width=photo.width,
        height=photo.height,
        uploaded_at=now,
    )


async def one(session: AsyncSession, ward: str, evidence_id: str) -> Row[Any] | None:
    """The photo's row in ``ward``; None when the ward has no such photo."""
    query = select(evidence).where(evidence.c.ward == ward, evidence.c.evidence_id == evidence_id)
    return (await session.execute(query)).first()


async def of_ids(
    session: AsyncSession, ward: str, evidence_ids: Collection[str]
) -> dict[str, Row[Any]]:
    """The rows of ``ward`` among ``evidence_ids``, locked for the audit that cites them (a
    concurrent audit citing the same photo waits, then sees it taken), by id."""
    query = (
        select(evidence)
        .where(evidence.c.ward == ward, evidence.c.evidence_id.in_(sorted(evidence_ids)))
        .with_for_update()
    )
    return {row.evidence_id: row for row in (await session.execute(query)).all()}


async def cite(
    session: AsyncSession, ward: str, evidence_ids: Collection[str], audit_id: str, unit_id: str
) -> None:
    """Mark the photos as cited by ``audit_id`` of ``unit_id`` (who may see them follows it)."""
    await session.execute(
        update(evidence)
        .where(evidence.c.ward == ward, evidence.c.evidence_id.in_(sorted(evidence_ids)))
        .values(audit_id=audit_id, unit_id=unit_id)
    )
