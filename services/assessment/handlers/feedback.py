"""Citizens' ratings from a kiosk or a QR link; the comment stays here, off the bus."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from contracts.events import FeedbackReceived, FeedbackReceivedData
from contracts.periods import Month
from contracts.roles import Role
from services.assessment.adapters import feedback, org
from services.assessment.domain.window import check_capture
from services.assessment.handlers.common import (
    Context,
    check_period_open,
    check_unit,
    find_person,
)
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork


async def receive_feedback(
    uow: UnitOfWork,
    context: Context,
    unit_id: str,
    level: int,
    officer_id: str | None,
    procedure: str | None,
    comment: str | None,
    captured_at: datetime | None = None,
) -> dict[str, Any]:
    """A rating (``level`` 5 Rất hài lòng .. 1 Rất không hài lòng) of ``unit_id``, counted in
    the month and on the local day it was given: ``captured_at`` (aware; kept by a kiosk or
    phone that was offline), else the moment it arrives. A rating given at 23:50 on 31 March and
    sent at 00:10 on 1 April is March's (``window.check_capture``'s bounds, from the policy).
    Answers ``{"feedback_id", "unit_id", "period", "captured_at"}``. Errors: 403
    ``unknown_device`` (not an active kiosk or QR link of the ward); 422 ``wrong_unit`` (a kiosk
    or QR link of another unit), ``unknown_unit``, ``unknown_person`` (``officer_id``),
    ``in_future``, ``capture_too_old``, ``date_out_of_window`` (``captured_at``); 409
    ``period_closed`` (``captured_at`` when given, else ``period``)."""
    session = uow.session
    device = await _rating_device(uow, context, unit_id)
    await check_unit(session, context.ward, unit_id)
    if officer_id:
        await find_person(session, context.ward, officer_id, "officer_id")
    if captured_at is None:
        given, period = context.now, Month.of(context.now).key
        await check_period_open(session, context, period)
    else:
        given = captured_at
        period = check_capture(captured_at, context.policy, context.now, "captured_at").key
        await check_period_open(session, context, period, "captured_at")
    feedback_id = uuid.uuid4()
    await feedback.insert(
        session,
        feedback_id=str(feedback_id),
        ward=context.ward,
        unit_id=unit_id,
        period=period,
        level=level,
        officer_id=officer_id,
        procedure=procedure,
        comment=comment,
        channel=device.channel,
        device_id=device.device_id,
        captured_at=given,
        received_at=context.now,
    )
    # The event's time is when the rating was given: scoring counts the month from ``period``
    # and the day of a "Rất không hài lòng" from ``occurred_at``, both the capture's.
    uow.emit(
        FeedbackReceived(
            **context.envelope(given),
            data=FeedbackReceivedData(
                feedback_id=feedback_id,
                unit_id=unit_id,
                level=level,
                officer_id=officer_id,
                procedure=procedure,
                channel=device.channel,
                period=period,
            ),
        )
    )
    return {
        "feedback_id": str(feedback_id),
        "unit_id": unit_id,
        "period": period,
        "captured_at": given.isoformat(),
    }


async def _rating_device(uow: UnitOfWork, context: Context, unit_id: str) -> Row[Any]:
    """The caller's device: an active kiosk or QR link of the ward (403 ``unknown_device``),
    registered for the unit rated (422 ``wrong_unit``: a device rates only its own unit)."""
    device = await org.active_device(uow.session, context.ward, context.principal.subject_id)
    if device is None or device.role != Role.KIOSK.value:
        raise Refusal(Kind.FORBIDDEN, "unknown_device")
    if device.unit_id != unit_id:
        raise Refusal(Kind.INVALID, "wrong_unit", "unit_id")
    return device
