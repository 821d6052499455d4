"""Corrective actions: opened by an audit's findings and closed by it when a finding goes away;
closed (with a note and evidence) and, when found not done after all, reopened by people.

Who may close: its owner, the head of its unit, an administrator, never the auditor who found
it (nobody marks their own finding done; nor may an auditor make themself its owner). Who may
reopen: those who check the work rather than do it — the auditor who found it, the chairman, and
the vice-chairman in charge of its unit. Everyone as the org chart has them now (the command
pipeline's seat step).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row

from contracts.events import (
    AuditState,
    CorrectiveActionClosed,
    CorrectiveActionClosedData,
    CorrectiveActionOpened,
    CorrectiveActionOpenedData,
    CorrectiveActionReopened,
    CorrectiveActionReopenedData,
)
from contracts.roles import Role
from services.assessment.adapters import audits, org
from services.assessment.adapters import corrective_actions as actions
from services.assessment.adapters.rows import described_by
from services.assessment.domain.audits import ItemInput, findings
from services.assessment.domain.window import check_due
from services.assessment.handlers.common import (
    Context,
    closer,
    find_person,
    required_note,
    required_reason,
    ward_policy,
)
from services.assessment.handlers.evidence import cite_photos
from services.runtime.refusals import Kind, Refusal, found
from services.runtime.uow import UnitOfWork


async def open_corrective_actions(
    uow: UnitOfWork,
    context: Context,
    audit_id: uuid.UUID,
    unit_id: str,
    state: AuditState,
    inputs: Sequence[ItemInput],
) -> tuple[uuid.UUID, ...]:
    """One corrective action per finding (item scored 0–1) that has none yet on this audit,
    owned by the item's ``owner_id`` or the unit head (422 ``no_action_owner`` without either);
    one closed because an amendment had lifted its score is opened again if a later one lowers
    it. Returns the new actions' ids."""
    session = uow.session
    owners = {item.code: (index, item.owner_id) for index, item in enumerate(inputs)}
    found = findings(state.items)
    existing: set[str] = set()
    if state.revision > 1:  # a new audit has no actions yet, and none superseded
        existing = await actions.live_item_codes(session, audit_id)
        await actions.drop_superseded(session, audit_id, [item.code for item in found])
    found = [item for item in found if item.code not in existing]
    if not found:
        return ()
    # Due from when the finding is recorded (this submission or amendment), not from when the
    # audit says it was performed: a late-entered audit must not open actions overdue at once.
    policy = await ward_policy(session, context.ward, context.policy)
    due_on = policy.corrective_action_due(context.now)
    unnamed = any(not owners[item.code][1] for item in found)
    head = await org.unit_head(session, context.ward, unit_id) if unnamed else None
    opened = []
    for item in found:
        index, owner_id = owners[item.code]
        opened.append(
            CorrectiveActionOpenedData(
                action_id=uuid.uuid4(),
                audit_id=audit_id,
                unit_id=unit_id,
                item_code=item.code,
                score=item.score or 0,
                owner_id=await _owner(uow, context, owner_id, head, f"items[{index}].owner_id"),
                due_on=due_on,
            )
        )
    await actions.insert(  # all of them in one statement
        session, opened, ward=context.ward, period=state.period, opened_at=context.now
    )
    uow.emit_all(CorrectiveActionOpened(**context.envelope(), data=data) for data in opened)
    return tuple(data.action_id for data in opened)


async def _owner(
    uow: UnitOfWork, context: Context, owner_id: str | None, head: str | None, field: str
) -> str:
    """Who corrects a finding: the person the auditor named (an active one: 422
    ``unknown_person``; never the auditor: 403 ``own_finding``), else the unit head (422
    ``no_action_owner`` when there is none)."""
    if owner_id == context.principal.subject_id:
        raise Refusal(Kind.FORBIDDEN, "own_finding", field)
    if owner_id:
        await find_person(uow.session, context.ward, owner_id, field)
    owner_id = owner_id or head
    if owner_id is None:
        raise Refusal(Kind.INVALID, "no_action_owner", field)
    return owner_id


async def close_superseded_actions(
    uow: UnitOfWork, context: Context, audit_id: uuid.UUID, still_findings: set[str], note: str
) -> None:
    """Close the open actions of an audit whose finding is gone (withdrawn, or amended above 1):
    nobody should be asked to fix what the audit no longer says."""
    rows = await actions.open_of_audit(uow.session, audit_id)
    gone = [row for row in rows if row.item_code not in still_findings]
    if not gone:
        return
    by = context.principal.subject_id
    await actions.close_superseded(
        uow.session, [row.action_id for row in gone], by, note, context.now
    )
    for row in gone:
        data = described_by(
            CorrectiveActionClosedData, row, closed_by=by, note=note, superseded=True
        )
        uow.emit(CorrectiveActionClosed(**context.envelope(), data=data))


async def close_corrective_action(
    uow: UnitOfWork,
    context: Context,
    action_id: uuid.UUID,
    note: str,
    evidence: Sequence[str],
) -> dict[str, Any]:
    """Close an open action. Errors: 422 ``required`` (``note``); 404 ``unknown_action``; 403
    ``own_finding`` (the caller found it), ``not_action_owner``; 409 ``action_closed``. A
    reference in ``evidence`` that is a photo's id (``POST /v1/evidence``) cites that photo,
    the closer's own, under the action's audit (422 ``unknown_evidence``, 409
    ``evidence_of_another_audit``, field ``evidence[i]``)."""
    note = required_note(note)
    row = await _action(uow, context, action_id)
    if await audits.auditor_of(uow.session, row.audit_id) == context.principal.subject_id:
        raise Refusal(Kind.FORBIDDEN, "own_finding", "action_id")
    by = closer(context.principal, row, "action_id", "action_closed")
    photos = {f"evidence[{i}]": ref for i, ref in enumerate(evidence) if _photo_id(ref)}
    await cite_photos(uow.session, context, uuid.UUID(row.audit_id), row.unit_id, photos)
    await actions.close(uow.session, action_id, by, note, evidence, context.now)
    data = described_by(
        CorrectiveActionClosedData, row, closed_by=by, note=note, evidence=tuple(evidence)
    )
    uow.emit(CorrectiveActionClosed(**context.envelope(), data=data))
    return {"action_id": str(action_id), "status": "closed", "unit_id": row.unit_id}


def _photo_id(ref: str) -> bool:
    """Whether an evidence reference is a photo uploaded here (``POST /v1/evidence``'s id)
    rather than a document of the ward's own store or an https link."""
    try:
        return str(uuid.UUID(ref)) == ref.lower()
    except ValueError:
        return False


async def reopen_corrective_action(
    uow: UnitOfWork,
    context: Context,
    action_id: uuid.UUID,
    reason: str,
    due_on: date | None = None,
) -> dict[str, Any]:
    """Open a closed corrective action again, due ``due_on`` (a local date after today and at
    most ``Policy.due_horizon_days`` ahead; default: the policy's working days from today in the
    ward's calendar), and publish ``assessment.corrective_action.reopened``; the owner stays.

    Errors: 422 ``reason_required`` (``reason``), ``due_not_future`` / ``date_out_of_window``
    (``due_on``, ``window.check_due``); 404 ``unknown_action``; 403 ``not_action_checker``; 409
    ``action_open`` (it is open) or ``action_superseded`` (its audit closed it: reopen by
    amending the audit)."""
    reason = required_reason(reason)
    if due_on is not None:
        check_due(due_on, context.policy, context.now)
    row = await _action(uow, context, action_id)
    if not await _may_reopen(uow, context, row):
        raise Refusal(Kind.FORBIDDEN, "not_action_checker", "action_id")
    if row.status != "closed":
        raise Refusal(Kind.CONFLICT, "action_open", "action_id")
    if row.superseded:
        raise Refusal(Kind.CONFLICT, "action_superseded", "action_id")
    if due_on is None:
        policy = await ward_policy(uow.session, context.ward, context.policy)
        due_on = policy.corrective_action_due(context.now)
    by = context.principal.subject_id
    await actions.reopen(uow.session, action_id, by, reason, due_on, context.now)
    data = described_by(
        CorrectiveActionReopenedData, row, reopened_by=by, reason=reason, due_on=due_on
    )
    uow.emit(CorrectiveActionReopened(**context.envelope(), data=data))
    return {
        "action_id": str(action_id),
        "status": "open",
        "unit_id": row.unit_id,
        "owner_id": row.owner_id,
        "due_on": due_on.isoformat(),
    }


async def _action(uow: UnitOfWork, context: Context, action_id: uuid.UUID) -> Row[Any]:
    return found(
        await actions.locked(uow.session, action_id, context.ward), "unknown_action", "action_id"
    )


async def _may_reopen(uow: UnitOfWork, context: Context, row: Row[Any]) -> bool:
    """Whether the caller (their seat now) checks this action's work: the auditor who found it,
    the chairman, the vice-chairman in charge of its unit."""
    principal = context.principal
    if principal.role is Role.AUDITOR:
        return await audits.auditor_of(uow.session, row.audit_id) == principal.subject_id
    return principal.role is Role.CHAIRMAN or (
        principal.role is Role.VICE_CHAIRMAN and row.unit_id in principal.units_in_charge
    )
