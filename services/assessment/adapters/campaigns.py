"""Campaign rows and their audits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import CampaignAuditedData, CampaignPublishedData
from services.assessment.adapters.rows import add_described
from services.assessment.adapters.tables import campaign_audits, campaigns, evidence


async def insert(session: AsyncSession, data: CampaignPublishedData, **values: Any) -> None:
    """The campaign ``data`` announces, with its own columns ``values`` (``items``: its
    checklist with each item's text, where the event names their codes)."""
    await add_described(session, campaigns, data, **values)


async def find(session: AsyncSession, ward: str, campaign_id: uuid.UUID) -> Row[Any] | None:
    return (
        await session.execute(
            select(campaigns).where(
                campaigns.c.campaign_id == str(campaign_id), campaigns.c.ward == ward
            )
        )
    ).first()


async def audited(session: AsyncSession, campaign_id: uuid.UUID, unit_id: str) -> bool:
    found = await session.scalar(
        select(campaign_audits.c.audit_id).where(
            campaign_audits.c.campaign_id == str(campaign_id),
            campaign_audits.c.unit_id == unit_id,
        )
    )
    return found is not None


async def insert_audit(session: AsyncSession, data: CampaignAuditedData, **values: Any) -> None:
    """The campaign audit ``data`` announces, with its own columns ``values`` (``items``: its
    scores as stored JSON)."""
    await add_described(session, campaign_audits, data, **values)


async def of_ward(
    session: AsyncSession, ward: str
) -> tuple[Sequence[Row[Any]], Sequence[Row[Any]]]:
    """The ward's campaigns, newest first, and all their audits."""
    rows = (
        await session.execute(
            select(campaigns).where(campaigns.c.ward == ward).order_by(campaigns.c.starts_on.desc())
        )
    ).all()
    audits = (
        await session.execute(
            select(campaign_audits)
            .where(campaign_audits.c.ward == ward)
            .order_by(campaign_audits.c.unit_id)
        )
    ).all()
    return rows, audits


async def photos_of(
    session: AsyncSession, ward: str, audit_ids: Sequence[str]
) -> dict[str, list[str]]:
    """The evidence ids each of ``audit_ids`` cites, by audit id."""
    rows = (
        await session.execute(
            select(evidence.c.evidence_id, evidence.c.audit_id).where(
                evidence.c.ward == ward, evidence.c.audit_id.in_(list(audit_ids))
            )
        )
    ).all()
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.audit_id, []).append(row.evidence_id)
    return found
