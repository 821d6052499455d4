"""What a reader sees of citizen follow-ups: those of the units they see; the contact only to
whoever makes the call (the follow-up's owner, the head of its unit) while it is open."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.roles import Role
from services.assessment.adapters import citizen_follow_ups as follow_ups
from services.assessment.views.reviews import visible_units
from services.runtime.auth import Principal
from services.runtime.db import picked


def _calls(caller: Principal, owner_id: str, unit_id: str) -> bool:
    return caller.subject_id == owner_id or (
        caller.role is Role.UNIT_HEAD and caller.unit_id == unit_id
    )


def _for_the_caller(caller: Principal, row: Any) -> dict[str, Any]:
    """The contact and the rating's comment: only to whoever makes the call, while it is open."""
    shown = row.status == "open" and _calls(caller, row.owner_id, row.unit_id)
    return {"contact": row.contact if shown else None, "comment": row.comment if shown else None}


#: What a follow-up shows as stored.
KEPT = ("follow_up_id", "unit_id", "period", "level", "owner_id", "status", "done_by", "note")


async def follow_up_list(
    session: AsyncSession, caller: Principal, status: str | None
) -> list[dict[str, Any]]:
    """``[{follow_up_id, unit_id, period, level, owner_id, due_on, status, contact, comment,
    done_at, done_by, note}]`` of the units the caller sees (staff: none), oldest due first;
    ``contact`` and ``comment`` (the rating's, while kept: ``Policy.comment_retention``) None
    unless the caller makes the call and it is open."""
    units = [] if caller.role is Role.STAFF else visible_units(caller)
    rows = await follow_ups.listed(session, caller.ward, units, status)
    return [
        {
            **picked(r, *KEPT),
            "due_on": r.due_on.isoformat(),
            **_for_the_caller(caller, r),
            "done_at": r.done_at.isoformat() if r.done_at else None,
        }
        for r in rows
    ]


async def follow_up_counts(
    session: AsyncSession, ward: str, months: list[str]
) -> list[dict[str, Any]]:
    """``[{unit_id, opened, done}]`` by unit id: per unit, the follow-ups of the ratings of
    ``months`` (YYYY-MM) and how many are done."""
    counts = await follow_ups.counts_by_unit(session, ward, months)
    return [{"unit_id": u, **counts[u]} for u in sorted(counts)]
