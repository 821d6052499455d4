"""Citizen follow-up: a citizen who rated "Không hài lòng" or "Rất không hài lòng" and left a
contact, agreeing to be contacted, is called back by the head of the unit, who notes the
outcome (the ward's aim at its 5S+ launch: every citizen leaves the service centre satisfied).
"""

from __future__ import annotations

import uuid
from typing import Any

from contracts.events import CitizenFollowUpData, CitizenFollowUpDone, CitizenFollowUpOpened
from services.assessment.adapters import citizen_follow_ups as follow_ups
from services.assessment.adapters import org
from services.assessment.adapters.rows import described_by
from services.assessment.handlers.common import (
    Context,
    closer,
    local_date,
    required_note,
    ward_policy,
)
from services.runtime.refusals import Kind, Refusal, found
from services.runtime.uow import UnitOfWork


def check_contact(contact: str | None, consent: bool) -> None:
    """422 ``contact_consent_required`` (``contact_consent``): a contact is kept only with the
    citizen's consent to be contacted."""
    if contact is not None and not consent:
        raise Refusal(Kind.INVALID, "contact_consent_required", "contact_consent")


async def open_if_owed(
    uow: UnitOfWork,
    context: Context,
    feedback_id: uuid.UUID,
    unit_id: str,
    period: str,
    level: int,
    contact: str | None,
) -> uuid.UUID | None:
    """A follow-up for the unit head when the rating is one of ``Policy.follow_up_levels`` and
    the citizen left a contact (consent checked before); due ``follow_up_working_days`` working
    days on; publishes ``assessment.citizen_follow_up.opened`` (without the contact). None when
    none is owed (a satisfied rating's contact is not kept), or the unit has no head."""
    policy = await ward_policy(uow.session, context.ward, context.policy)
    if contact is None or level not in policy.follow_up_levels:
        return None
    head = await org.unit_head(uow.session, context.ward, unit_id)
    if head is None:
        return None
    data = CitizenFollowUpData(
        follow_up_id=uuid.uuid4(),
        feedback_id=feedback_id,
        unit_id=unit_id,
        owner_id=head,
        due_on=policy.calendar.add_working_days(
            local_date(context.now), policy.follow_up_working_days
        ),
    )
    await follow_ups.insert(
        uow.session,
        data,
        ward=context.ward,
        period=period,
        level=level,
        contact=contact,
        opened_at=context.now,
    )
    uow.emit(CitizenFollowUpOpened(**context.envelope(), data=data))
    return data.follow_up_id


async def mark_done(
    uow: UnitOfWork, context: Context, follow_up_id: uuid.UUID, note: str
) -> dict[str, Any]:
    """The call-back made, its outcome noted, by the follow-up's owner or the head of its unit;
    publishes ``assessment.citizen_follow_up.done``. Errors: 404 ``unknown_follow_up``; 403
    ``not_action_owner``; 409 ``follow_up_closed``; 422 ``required`` (``note``)."""
    note = required_note(note)
    row = found(
        await follow_ups.locked(uow.session, follow_up_id, context.ward),
        "unknown_follow_up",
        "follow_up_id",
    )
    # Not administrators: whoever marks it done is the one who called the citizen back.
    by = closer(context.principal, row, "follow_up_id", "follow_up_closed", admins=False)
    await follow_ups.done(uow.session, follow_up_id, by, note, context.now)
    data = described_by(CitizenFollowUpData, row, done_by=by)
    uow.emit(CitizenFollowUpDone(**context.envelope(), data=data))
    return {"follow_up_id": str(follow_up_id), "status": "done", "unit_id": row.unit_id}
