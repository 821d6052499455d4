"""Administrators are powerful and visible (issue 14, item 5): every action of theirs (an org
chart loaded, a device registered and its credential issued, a catalogue published, a month
closed or reopened, a calendar day declared or removed) is recorded with its actor and reason in
the action's own unit of work, as a row the chairman reads (``GET /v1/admin/actions``) and as
``assessment.admin.action_recorded`` on the bus."""

from __future__ import annotations

from contracts.events import AdminAction, AdminActionRecorded, AdminActionRecordedData
from services.assessment.adapters import admin_actions
from services.assessment.handlers.common import Context, optional_text
from services.runtime.uow import UnitOfWork


async def record_admin_action(
    uow: UnitOfWork,
    context: Context,
    action: AdminAction,
    subject: str,
    reason: str | None,
    **details: str,
) -> None:
    """Record ``action`` on ``subject`` by the caller of ``context``, with ``reason`` (stripped;
    None when not given) and ``details``: a row and an event, committed with the action."""
    reason = optional_text(reason)
    data = AdminActionRecordedData(action=action, subject=subject, reason=reason, details=details)
    event = AdminActionRecorded(**context.envelope(), data=data)
    await admin_actions.insert(
        uow.session,
        data,
        action_id=str(event.event_id),
        ward=context.ward,
        actor_kind=context.actor.kind,
        actor_id=context.actor.id or "",
        recorded_at=context.now,
    )
    uow.emit(event)
