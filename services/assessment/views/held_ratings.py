"""Citizens' ratings held for review, for the chairman and administrators
(``GET /v1/feedback/held``): how many, by unit, device, reason and level, never a comment."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters import feedback


async def held_ratings(session: AsyncSession, ward: str, period: str) -> dict[str, Any]:
    """``{period, total, groups: [{unit_id, device_id, reason, level, count}]}`` for the
    ward's ratings of ``period`` (YYYY-MM) held for review instead of counted."""
    groups = [
        {
            "unit_id": row.unit_id,
            "device_id": row.device_id,
            "reason": row.held,
            "level": row.level,
            "count": int(row.count),
        }
        for row in await feedback.held(session, ward, period)
    ]
    return {"period": period, "total": sum(g["count"] for g in groups), "groups": groups}
