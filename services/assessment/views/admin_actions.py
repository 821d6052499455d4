"""What administrators did, for the chairman (``GET /v1/admin/actions``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters import admin_actions as recorded


async def admin_actions(
    session: AsyncSession, ward: str, since: datetime | None, limit: int
) -> list[dict[str, Any]]:
    """The ward's administrators' actions from ``since`` on (all if None), oldest first, at most
    ``limit``: ``{action_id, action, subject, reason, details, actor: {kind, id},
    recorded_at}``."""
    return [
        {
            "action_id": row.action_id,
            "action": row.action,
            "subject": row.subject,
            "reason": row.reason,
            "details": dict(row.details or {}),
            "actor": {"kind": row.actor_kind, "id": row.actor_id},
            "recorded_at": row.recorded_at.isoformat(),
        }
        for row in await recorded.since(session, ward, since, limit)
    ]
