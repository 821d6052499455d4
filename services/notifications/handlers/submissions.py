"""Assessment's submissions as they change: notifications keeps what is true now of each
(``records``) and settles the deadlines it leaves owed or met (``domain.obligations``). A
deadline is met by what stands now: a withdrawn audit, a returned self-assessment, a reopened
corrective action are owed again. An event older than the state kept changes nothing."""

from __future__ import annotations

from typing import Any

from contracts.envelope import Event
from contracts.events import (
    AuditAmended,
    AuditSubmitted,
    AuditWithdrawn,
    CitizenFollowUpDone,
    CitizenFollowUpOpened,
    CorrectiveActionClosed,
    CorrectiveActionOpened,
    CorrectiveActionReopened,
    PeriodReviewWritten,
    ReviewFollowUpClosed,
    SelfAssessmentReviewed,
    SelfAssessmentSubmitted,
)
from services.notifications.adapters import obligations
from services.notifications.domain import obligations as owed
from services.notifications.domain.obligations import Record
from services.notifications.domain.schedule import local_day
from services.notifications.handlers.context import Context
from services.notifications.handlers.deadlines import settle


class _Stale(Exception):
    """An event older than the state already kept: nothing changes."""


async def keep(ctx: Context, ward: str, record: Record) -> Record | None:
    """Keep ``record`` as what is true now of its submission if it is newer than the state
    kept; returns the state it replaced (None if there was none), or raises ``_Stale``."""
    stored = await obligations.lock_record(ctx.session, ward, record.kind, record.record_id)
    if not record.supersedes(stored):
        raise _Stale
    await obligations.save_record(ctx.session, ward, record, new=stored is None)
    return stored


async def self_assessment_changed(
    ctx: Context, event: SelfAssessmentSubmitted | SelfAssessmentReviewed
) -> None:
    """A person's self-assessment of a month submitted, or reviewed (approved, adjusted,
    returned): its submission and its review are owed or met as it now stands."""
    data = event.data
    reviewed = isinstance(event, SelfAssessmentReviewed)
    record = Record(
        kind=owed.SELF_ASSESSMENT,
        record_id=owed.self_assessment_key(data.person_id, data.period),
        subject_id=data.person_id,
        period=data.period,
        unit_id=data.unit_id,
        status=event.data.outcome if isinstance(event, SelfAssessmentReviewed) else owed.SUBMITTED,
        revision=owed.self_assessment_order(data.revision, reviewed),
        as_of=event.occurred_at,
        details={} if reviewed else {"submitted_on": local_day(event.occurred_at).isoformat()},
    )
    try:
        await keep(ctx, event.ward, record)
    except _Stale:
        return
    for obligation in owed.self_assessment_obligations(record):
        await settle(ctx, event.ward, obligation)


async def audit_changed(
    ctx: Context, event: AuditSubmitted | AuditAmended | AuditWithdrawn
) -> None:
    """An audit submitted, amended or withdrawn: its unit's month is audited while any audit of
    it stands (each month the audit was or is in is looked at again)."""
    data = event.data
    if isinstance(event, AuditWithdrawn):
        period, status = event.data.replaces.period, owed.WITHDRAWN
    else:
        period, status = event.data.period, owed.LIVE
    record = Record(
        kind=owed.AUDIT,
        record_id=str(data.audit_id),
        subject_id=data.unit_id,
        period=period,
        unit_id=data.unit_id,
        status=status,
        revision=data.revision,
        as_of=event.occurred_at,
    )
    try:
        stored = await keep(ctx, event.ward, record)
    except _Stale:
        return
    for month in sorted({record.period} | ({stored.period} if stored else set())):
        live = await obligations.count_with_status(
            ctx.session, event.ward, owed.AUDIT, data.unit_id, month, owed.LIVE
        )
        await settle(ctx, event.ward, owed.audit_obligation(data.unit_id, month, live))


async def action_changed(
    ctx: Context,
    event: CorrectiveActionOpened | CorrectiveActionClosed | CorrectiveActionReopened,
) -> None:
    """A corrective action opened, closed (by its owner, or by its audit's correction) or
    reopened with a new due date: overdue while open, by its current due date."""
    data, ward = event.data, event.ward
    details = await obligations.record_details(ctx.session, ward, owed.ACTION, str(data.action_id))
    if isinstance(event, CorrectiveActionOpened):
        details |= {"item_code": event.data.item_code, "owner_id": event.data.owner_id}
    if isinstance(event, CorrectiveActionOpened | CorrectiveActionReopened):
        details |= {"due_on": event.data.due_on.isoformat(), "owner_id": event.data.owner_id}
    record = Record(
        kind=owed.ACTION,
        record_id=str(data.action_id),
        subject_id=str(data.action_id),
        period="",
        unit_id=data.unit_id,
        status=owed.CLOSED if isinstance(event, CorrectiveActionClosed) else owed.OPEN,
        revision=0,  # no revision: the events' times order them
        as_of=event.occurred_at,
        details=details,
    )
    try:
        await keep(ctx, ward, record)
    except _Stale:
        return
    await settle(ctx, ward, owed.action_obligation(record))


async def review_written(ctx: Context, event: PeriodReviewWritten) -> None:
    """A unit's periodic review written: its deadline met, and each follow-up it set watched
    like a corrective action (overdue by its due date while open)."""
    data, ward = event.data, event.ward
    await settle(ctx, ward, owed.review_obligation(data.unit_id, data.period, written=True))
    for task in data.follow_ups:
        details = {"due_on": task.due_on.isoformat(), "owner_id": task.owner_id}
        await _task(
            ctx, event, owed.FOLLOW_UP, str(task.follow_up_id), data.unit_id, owed.OPEN, details
        )


async def follow_up_closed(ctx: Context, event: ReviewFollowUpClosed) -> None:
    """A review's follow-up closed with its note: no longer owed."""
    data, ward = event.data, event.ward
    details = await obligations.record_details(
        ctx.session, ward, owed.FOLLOW_UP, str(data.follow_up_id)
    )
    await _task(
        ctx, event, owed.FOLLOW_UP, str(data.follow_up_id), data.unit_id, owed.CLOSED, details
    )


async def call_back_changed(
    ctx: Context, event: CitizenFollowUpOpened | CitizenFollowUpDone
) -> None:
    """A call-back owed to a dissatisfied citizen: overdue by its due date until done."""
    data = event.data
    details = {"due_on": data.due_on.isoformat(), "owner_id": data.owner_id}
    status = owed.CLOSED if isinstance(event, CitizenFollowUpDone) else owed.OPEN
    await _task(ctx, event, owed.CALL_BACK, str(data.follow_up_id), data.unit_id, status, details)


async def _task(
    ctx: Context,
    event: Event,
    kind: str,
    task_id: str,
    unit_id: str,
    status: str,
    details: dict[str, Any],
) -> None:
    """A unit's task followed by its due date (a review's follow-up, a citizen's call-back),
    kept as it stands now and settled like a corrective action."""
    record = Record(
        kind=kind,
        record_id=task_id,
        subject_id=task_id,
        period="",
        unit_id=unit_id,
        status=status,
        revision=0,  # no revision: the events' times order them
        as_of=event.occurred_at,
        details=details,
    )
    try:
        await keep(ctx, event.ward, record)
    except _Stale:
        return
    await settle(ctx, event.ward, owed.action_obligation(record))
