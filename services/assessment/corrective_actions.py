"""What people do with a corrective action once an audit has opened it: close it (with a note
and evidence) and, when it turns out not done after all, reopen it. An audit opens them, and
closes them itself when its finding goes away (see ``handlers``).

Who may close: its owner, the head of its unit, an administrator. Who may reopen: those who
check the work rather than do it — the auditor who found it, the chairman, and the
vice-chairman in charge of its unit (in the org chart as it is now).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import (
    CorrectiveActionClosed,
    CorrectiveActionClosedData,
    CorrectiveActionReopened,
    CorrectiveActionReopenedData,
)
from contracts.roles import Role
from services.assessment.adapters.tables import audits, corrective_actions, people, plumbing
from services.assessment.calendar import ward_policy
from services.assessment.domain.window import check_due
from services.assessment.handlers import Context, _locked, _reason
from services.runtime.errors import ApiError
from services.runtime.outbox import stage


async def close_corrective_action(
    session: AsyncSession,
    context: Context,
    action_id: uuid.UUID,
    note: str,
    evidence: Sequence[str],
) -> dict[str, Any]:
    """Close an open action. Errors: 422 ``required`` (``note``); 404 ``unknown_action``; 403
    ``not_action_owner``; 409 ``action_closed``."""
    if not note.strip():
        raise ApiError(422, "required", "note")
    row = await _locked(
        session, corrective_actions, "action_id", action_id, context.ward, "unknown_action"
    )
    principal = context.principal
    may_close = (
        principal.subject_id == row.owner_id
        or principal.role is Role.ADMIN
        or (principal.role is Role.UNIT_HEAD and principal.unit_id == row.unit_id)
    )
    if not may_close:
        raise ApiError(403, "not_action_owner", "action_id")
    if row.status == "closed":
        raise ApiError(409, "action_closed", "action_id")
    await session.execute(
        update(corrective_actions)
        .where(corrective_actions.c.action_id == str(action_id))
        .values(
            status="closed",
            closed_at=context.now,
            closed_by=principal.subject_id,
            note=note.strip(),
            evidence=list(evidence),
        )
    )
    event = CorrectiveActionClosed(
        **context.envelope(),
        data=CorrectiveActionClosedData(
            action_id=action_id,
            audit_id=uuid.UUID(row.audit_id),
            unit_id=row.unit_id,
            closed_by=principal.subject_id,
            note=note.strip(),
            evidence=tuple(evidence),
        ),
    )
    await stage(session, plumbing.outbox, [event])
    return {"action_id": str(action_id), "status": "closed", "unit_id": row.unit_id}


async def _may_reopen(session: AsyncSession, context: Context, row: Any) -> bool:
    principal = context.principal
    if principal.role is Role.AUDITOR:
        auditor = await session.scalar(
            select(audits.c.auditor_id).where(audits.c.audit_id == row.audit_id)
        )
        return auditor == principal.subject_id
    if principal.role not in (Role.CHAIRMAN, Role.VICE_CHAIRMAN):
        return False
    leader = (
        await session.execute(
            select(people.c.role, people.c.units_in_charge).where(
                people.c.ward == context.ward,
                people.c.person_id == principal.subject_id,
                people.c.active.is_(True),
            )
        )
    ).first()
    if leader is None or leader.role != principal.role.value:
        return False
    return principal.role is Role.CHAIRMAN or row.unit_id in (leader.units_in_charge or ())


async def reopen_corrective_action(
    session: AsyncSession,
    context: Context,
    action_id: uuid.UUID,
    reason: str,
    due_on: date | None = None,
) -> dict[str, Any]:
    """Open a closed corrective action again, due ``due_on`` (a local date after today and at
    most ``Policy.due_horizon_days`` ahead; default: the policy's working days from today in the
    ward's calendar), and publish
    ``assessment.corrective_action.reopened``; the owner stays the same.

    Errors: 422 ``reason_required`` (``reason``), ``due_not_future`` / ``date_out_of_window``
    (``due_on``, ``window.check_due``); 404
    ``unknown_action``; 403 ``not_action_checker``; 409 ``action_open`` (it is open) or
    ``action_superseded`` (its audit closed it: reopen by amending the audit)."""
    reason = _reason(reason)
    if due_on is not None:
        check_due(due_on, context.policy, context.now)
    row = await _locked(
        session, corrective_actions, "action_id", action_id, context.ward, "unknown_action"
    )
    if not await _may_reopen(session, context, row):
        raise ApiError(403, "not_action_checker", "action_id")
    if row.status != "closed":
        raise ApiError(409, "action_open", "action_id")
    if row.superseded:
        raise ApiError(409, "action_superseded", "action_id")
    if due_on is None:
        policy = await ward_policy(session, context.ward, context.policy)
        due_on = policy.corrective_action_due(context.now)
    await session.execute(
        update(corrective_actions)
        .where(corrective_actions.c.action_id == str(action_id))
        .values(
            status="open",
            due_on=due_on,
            closed_at=None,
            closed_by=None,
            reopened_at=context.now,
            reopened_by=context.principal.subject_id,
            reopen_reason=reason,
        )
    )
    event = CorrectiveActionReopened(
        **context.envelope(),
        data=CorrectiveActionReopenedData(
            action_id=action_id,
            audit_id=uuid.UUID(row.audit_id),
            unit_id=row.unit_id,
            owner_id=row.owner_id,
            reopened_by=context.principal.subject_id,
            reason=reason,
            due_on=due_on,
        ),
    )
    await stage(session, plumbing.outbox, [event])
    return {
        "action_id": str(action_id),
        "status": "open",
        "unit_id": row.unit_id,
        "owner_id": row.owner_id,
        "due_on": due_on.isoformat(),
    }
