"""The lists the screens show: self-assessments, corrective actions, an audit's revisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import LOCAL_TZ
from contracts.roles import Role
from services.assessment.adapters import initiatives, reads
from services.assessment.domain.graders import Seat, grading_refusal
from services.assessment.domain.policy import Policy
from services.runtime.auth import Principal
from services.runtime.collation import by_name
from services.runtime.db import picked
from services.runtime.refusals import Kind, Refusal


def sees_person_records(caller: Principal, person_id: str, unit_id: str) -> bool:
    """Self-assessments are personal: the person, the leaders of their unit, the ward's
    leadership and administrators see them; auditors do not."""
    if caller.subject_id == person_id or caller.role in (Role.ADMIN, Role.CHAIRMAN):
        return True
    return caller.role in (Role.UNIT_HEAD, Role.VICE_CHAIRMAN) and caller.sees_unit(unit_id)


async def self_assessment_list(
    session: AsyncSession, caller: Principal, period: str, status: str | None, policy: Policy
) -> list[dict[str, Any]]:
    """The month's self-assessments the caller may see, with each person's name, by unit and
    then in Vietnamese order of the names (given name, family name, middle name); one waiting
    for review carries ``review_due_on``, the last day to review it (``policy`` counting the
    ward's working days: 3 after the day of submission, ``Policy.review_deadline``) and
    ``yours_to_review``: whether the caller, as their token seats them, reviews it
    (``domain/graders.py``; the review itself checks the org chart as it is then); and
    ``initiatives``, the person's initiatives proposed in the month (``[{initiative_id, title,
    status}]``), the evidence for the "+" items that score initiative."""
    seat = Seat(caller.subject_id, caller.role.value, caller.unit_id, caller.units_in_charge)
    rows = by_name(
        await reads.self_assessments_of(session, caller.ward, period, status),
        lambda row: row.full_name or row.person_id,
    )
    rows.sort(key=lambda row: row.unit_id)  # stable: by name within each unit
    proposed: dict[str, list[dict[str, str]]] = {}
    for i in await initiatives.listed(session, caller.ward, [period], None, caller.subject_id):
        proposed.setdefault(i.proposed_by, []).append(
            {"initiative_id": i.initiative_id, "title": i.title, "status": i.status}
        )
    return [
        {
            "self_assessment_id": row.self_assessment_id,
            "person_id": row.person_id,
            "full_name": row.full_name,
            "unit_id": row.unit_id,
            "period": row.period,
            "revision": row.revision,
            "status": row.status,
            "items": row.items,
            "approved_items": row.approved_items,
            "reason": row.reason,
            "submitted_at": row.submitted_at,
            "reviewed_at": row.reviewed_at,
            "yours_to_review": row.status == "submitted"
            and grading_refusal(
                seat, row.person_id, row.person_role or "", row.unit_id, policy.chairman_reviewer
            )
            is None,
            "review_due_on": (
                policy.review_deadline(row.submitted_at.astimezone(LOCAL_TZ).date())
                if row.status == "submitted"
                else None
            ),
            "initiatives": proposed.get(row.person_id, []),
        }
        for row in rows
        if sees_person_records(caller, row.person_id, row.unit_id)
    ]


#: What a corrective action shows in the list, as stored (``owner_name``: the org chart's).
ACTION_FIELDS = (
    "action_id",
    "audit_id",
    "unit_id",
    "period",
    "item_code",
    "score",
    "owner_id",
    "owner_name",
    "due_on",
    "status",
    "closed_at",
    "note",
    "evidence",
    "reopened_at",
    "reopened_by",
    "reopen_reason",
)


async def corrective_action_list(
    session: AsyncSession,
    caller: Principal,
    period: str | None,
    status: str | None,
    unit_id: str | None = None,
    due_before: date | None = None,
    limit: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """The corrective actions the caller may see (their units', or owned by them) of the
    filters given (``reads.ActionFilter``), soonest due first: the first ``limit`` (all for
    None) and how many there are. Of one unit, who sees them is known before reading, so the
    database limits and counts: a board shows a unit's first few and the count without its
    thousands being read."""
    wanted = reads.ActionFilter(caller.ward, period, status, unit_id, due_before)
    if unit_id is not None:
        if not caller.sees_unit(unit_id):
            wanted = replace(wanted, owner_id=caller.subject_id)
        rows = await reads.corrective_actions_of(session, wanted, limit) if limit != 0 else []
        total = await reads.corrective_actions_counted(session, wanted)
        return [picked(row, *ACTION_FIELDS) for row in rows], total
    seen = [
        row
        for row in await reads.corrective_actions_of(session, wanted)
        if caller.sees_unit(row.unit_id) or caller.subject_id == row.owner_id
    ]
    return [picked(row, *ACTION_FIELDS) for row in seen[:limit]], len(seen)


async def audit_detail(session: AsyncSession, caller: Principal, audit_id: str) -> dict[str, Any]:
    audit = await reads.audit_of(session, caller.ward, audit_id)
    if audit is None or not caller.sees_unit(audit.unit_id):
        raise Refusal(Kind.NOT_FOUND, "unknown_audit", "audit_id")
    revisions = await reads.revisions_of(session, audit_id)
    return {
        "audit_id": audit.audit_id,
        "unit_id": audit.unit_id,
        "period": audit.period,
        "performed_at": audit.performed_at,
        "catalog_version": audit.catalog_version,
        "auditor_id": audit.auditor_id,
        "revision": audit.revision,
        "status": audit.status,
        "revisions": [
            {
                "revision": row.revision,
                "change": row.change,
                "reason": row.reason,
                "recorded_at": row.recorded_at,
                "items": row.state["items"],
            }
            for row in revisions
        ],
    }
