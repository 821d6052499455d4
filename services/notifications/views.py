"""Read-side queries of the notifications service."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.adapters.tables import alerts


async def inbox(
    session: AsyncSession, ward: str, person_id: str, lang: str, include_resolved: bool = False
) -> list[dict[str, Any]]:
    """The caller's alerts, newest first."""
    query = select(alerts).where(alerts.c.ward == ward, alerts.c.recipient_id == person_id)
    if not include_resolved:
        query = query.where(alerts.c.status != "resolved")
    rows = await session.execute(query.order_by(alerts.c.created_at.desc()).limit(500))
    return [
        {
            "alert_id": r.alert_id,
            "rule": r.rule,
            "subject_id": r.subject_id,
            "period": r.period,
            "severity": r.severity,
            "status": r.status,
            "title": r.title_en if lang == "en" else r.title_vi,
            "body": r.body_en if lang == "en" else r.body_vi,
            "created_at": r.created_at.isoformat(),
        }
        for r in rows
    ]
