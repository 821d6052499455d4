"""What a reader sees of the initiatives register: the initiatives of the units they see (and
their own), and the count per unit the board shows."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.periods import Period
from contracts.roles import Role
from services.assessment.adapters import initiatives
from services.assessment.domain.initiatives import may_decide, on_council
from services.assessment.views.reviews import visible_units
from services.runtime.auth import Principal


def _months(period: str | None) -> list[str] | None:
    return None if period is None else [m.key for m in Period.parse(period).months()]


async def initiative_list(
    session: AsyncSession,
    caller: Principal,
    period: str | None,
    person_id: str | None,
    council: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """``[{initiative_id, unit_id, proposed_by, proposer_name, by_unit, period, title, problem,
    proposal, expected_effect, status, proposed_at, decided_by, decided_at, reason,
    measured_effect, may_decide}]``: those proposed in ``period`` (YYYY-MM, YYYY-Qn or YYYY;
    every one when None) of the units the caller sees and their own (every unit's for a member
    of the ``council``, who decides on them), or of ``person_id`` alone among those; newest
    first.
    ``may_decide``: whether the caller may decide on it now (``domain.initiatives``)."""
    units = visible_units(caller)
    if on_council(caller, council):
        units = None  # the council decides on every unit's
    elif caller.role is Role.STAFF:
        units = []  # staff see their own initiatives only
    rows = await initiatives.listed(session, caller.ward, _months(period), units, caller.subject_id)
    if person_id is not None:
        rows = [row for row in rows if row.proposed_by == person_id]
    return [
        {
            "initiative_id": r.initiative_id,
            "unit_id": r.unit_id,
            "proposed_by": r.proposed_by,
            "proposer_name": r.proposer_name,
            "by_unit": r.by_unit,
            "period": r.period,
            "title": r.title,
            "problem": r.problem,
            "proposal": r.proposal,
            "expected_effect": r.expected_effect,
            "status": r.status,
            "proposed_at": r.proposed_at.isoformat(),
            "decided_by": r.decided_by,
            "decided_at": r.decided_at.isoformat() if r.decided_at else None,
            "reason": r.reason,
            "measured_effect": r.measured_effect,
            "may_decide": may_decide(caller, council, r.proposed_by, r.status),
        }
        for r in rows
    ]


async def initiative_counts(
    session: AsyncSession, ward: str, months: list[str]
) -> list[dict[str, Any]]:
    """``[{unit_id, proposed, adopted}]`` by unit id: per unit, the initiatives proposed in
    ``months`` (YYYY-MM) and how many of them are adopted."""
    counts = await initiatives.counts_by_unit(session, ward, months)
    return [{"unit_id": unit, **counts[unit]} for unit in sorted(counts)]
