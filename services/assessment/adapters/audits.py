"""Audit rows, their items as they now are, and every revision as it was (for the record)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import AuditState, AuditSubmittedData
from services.assessment.adapters.rows import add_described, as_columns
from services.assessment.adapters.tables import audit_items, audit_revisions, audits


async def insert(session: AsyncSession, data: AuditSubmittedData, ward: str, now: datetime) -> None:
    """The audit ``data`` announces, live (its items apart: :func:`record_revision`)."""
    await add_described(
        session,
        audits,
        as_columns(data, "items"),
        ward=ward,
        status="live",
        created_at=now,
        updated_at=now,
    )


async def set_revision(
    session: AsyncSession, audit_id: uuid.UUID, revision: int, now: datetime, status: str = "live"
) -> None:
    await session.execute(
        update(audits)
        .where(audits.c.audit_id == str(audit_id))
        .values(revision=revision, status=status, updated_at=now)
    )


async def record_revision(
    session: AsyncSession,
    audit_id: uuid.UUID,
    change: str,
    state: AuditState,
    reason: str | None,
    actor_id: str,
    now: datetime,
) -> None:
    """Keep the audit's items as they now are (none once withdrawn), and the revision as it
    was."""
    if state.revision > 1:  # a first revision has no items yet
        await session.execute(audit_items.delete().where(audit_items.c.audit_id == str(audit_id)))
    if change != "withdrawn":
        await session.execute(
            audit_items.insert(),
            [
                {
                    "audit_id": str(audit_id),
                    "code": item.code,
                    "pillar": item.pillar,
                    "weight": item.weight,
                    "score": item.score,
                    "note": item.note,
                    "evidence": list(item.evidence),
                }
                for item in state.items
            ],
        )
    await session.execute(
        audit_revisions.insert().values(
            audit_id=str(audit_id),
            revision=state.revision,
            change=change,
            reason=reason,
            state=state.model_dump(mode="json"),
            actor_id=actor_id,
            recorded_at=now,
        )
    )


async def state_at(session: AsyncSession, audit_id: uuid.UUID, revision: int) -> AuditState:
    stored = await session.scalar(
        select(audit_revisions.c.state).where(
            audit_revisions.c.audit_id == str(audit_id), audit_revisions.c.revision == revision
        )
    )
    return AuditState.model_validate(stored)


async def auditor_of(session: AsyncSession, audit_id: str) -> str | None:
    auditor: str | None = await session.scalar(
        select(audits.c.auditor_id).where(audits.c.audit_id == audit_id)
    )
    return auditor
