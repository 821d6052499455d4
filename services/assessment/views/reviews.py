"""What a reader sees of periodic reviews: the reviews of the units they may see, each with its
figures and follow-ups."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.roles import WARD_WIDE_ROLES
from services.assessment.adapters import reviews
from services.runtime.auth import Principal


def visible_units(caller: Principal) -> list[str] | None:
    """The units whose reviews ``caller`` reads: every unit (None) for the ward-wide roles,
    else their own unit and those in their charge."""
    if caller.role in WARD_WIDE_ROLES:
        return None
    return sorted({*caller.units_in_charge, *([caller.unit_id] if caller.unit_id else [])})


async def review_list(
    session: AsyncSession, caller: Principal, unit_id: str | None, period: str | None
) -> list[dict[str, Any]]:
    """``[{review_id, unit_id, period, written_by, written_at, went_well, went_badly, lessons,
    figures, acknowledged_by, acknowledged_at, acknowledgement, follow_ups: [{follow_up_id,
    task, owner_id, due_on, status, closed_at, note}]}]``, newest period first."""
    units = visible_units(caller)
    if unit_id is not None:
        units = [unit_id] if units is None or unit_id in units else []
    rows, tasks = await reviews.reviews_of(session, caller.ward, units, period)
    by_review: dict[str, list[dict[str, Any]]] = {}
    for t in tasks:
        by_review.setdefault(t.review_id, []).append(
            {
                "follow_up_id": t.follow_up_id,
                "task": t.task,
                "owner_id": t.owner_id,
                "due_on": t.due_on.isoformat(),
                "status": t.status,
                "closed_at": t.closed_at.isoformat() if t.closed_at else None,
                "note": t.note,
            }
        )
    return [
        {
            "review_id": r.review_id,
            "unit_id": r.unit_id,
            "period": r.period,
            "written_by": r.written_by,
            "written_at": r.written_at.isoformat(),
            "went_well": r.went_well,
            "went_badly": r.went_badly,
            "lessons": r.lessons,
            "figures": r.figures,
            "acknowledged_by": r.acknowledged_by,
            "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
            "acknowledgement": r.acknowledgement,
            "follow_ups": by_review.get(r.review_id, []),
        }
        for r in rows
    ]
