"""Campaign rows and their audits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters.tables import campaign_audits, campaigns


async def insert(session: AsyncSession, campaign_id: uuid.UUID, **values: Any) -> None:
    await session.execute(campaigns.insert().values(campaign_id=str(campaign_id), **values))


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


async def insert_audit(session: AsyncSession, audit_id: uuid.UUID, **values: Any) -> None:
    await session.execute(campaign_audits.insert().values(audit_id=str(audit_id), **values))


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
