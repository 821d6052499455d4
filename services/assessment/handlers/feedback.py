"""Citizens' ratings from a kiosk or a QR link; the comment stays here, off the bus.

A rating cannot be stuffed: a kiosk or QR link rates only its own unit, a named officer must
belong to that unit, and ratings beyond the policy's windows (per device; per client address
for QR pages, ``Policy.rating_device_window``, ``rating_address_window``) are kept but held for
review: not on the bus, so not in any score, counted apart (``GET /v1/feedback/held``) and in
``ward5s_feedback_held_total{reason}``. The answer is the same either way, so a stuffer learns
nothing from it. (The devices' token bucket still refuses a burst with 429.)"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import intake as schemas
from contracts.events import FeedbackReceived, FeedbackReceivedData
from contracts.periods import Month
from contracts.roles import Role
from services.assessment.adapters import feedback, org, rating_codes
from services.assessment.adapters.rows import described_by
from services.assessment.domain import rating_windows
from services.assessment.domain.rating_codes import code_hash, new_code
from services.assessment.domain.window import check_capture
from services.assessment.handlers.citizen_follow_ups import check_contact, open_if_owed
from services.assessment.handlers.common import (
    Context,
    check_period_open,
    check_unit,
    find_person,
)
from services.runtime.clients import client_address
from services.runtime.commands import Answer
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork

FEEDBACK_HELD = Counter(
    "ward5s_feedback_held_total",
    "Citizens' ratings held for review instead of counted: a burst beyond the policy's window "
    "of one device (reason device) or of one client address (reason address).",
    ["reason"],
)


async def receive_feedback(uow: UnitOfWork, context: Context, body: schemas.FeedbackIn) -> Answer:
    """A rating (``body.level`` 5 Rất hài lòng .. 1 Rất không hài lòng) of ``body.unit_id``,
    counted in the month and on the local day it was given: ``captured_at`` (aware; kept by a
    kiosk or phone that was offline), else the moment it arrives. A rating given at 23:50 on 31
    March and sent at 00:10 on 1 April is March's (``window.check_capture``'s bounds, from the
    policy). Answers ``{"feedback_id", "unit_id", "period", "captured_at"}``. Errors: 403
    ``unknown_device`` (not an active kiosk or QR link of the ward); 422 ``wrong_unit`` (a kiosk
    or QR link of another unit), ``unknown_unit``, ``unknown_person`` (``officer_id``),
    ``officer_not_in_unit`` (an officer of another unit), ``rating_code_invalid`` (``code``:
    unknown, of another unit, used or expired), ``in_future``, ``capture_too_old``,
    ``date_out_of_window`` (``captured_at``), ``contact_consent_required``; 409
    ``period_closed`` (``captured_at`` when given, else ``period``).

    A counted "Không hài lòng" or "Rất không hài lòng" with a ``contact`` (and the citizen's
    consent) opens a call-back for the unit head (``citizen_follow_ups.open_if_owed``)."""
    unit_id, officer_id, captured_at = body.unit_id, body.officer_id, body.captured_at
    check_contact(body.contact, body.contact_consent)
    session = uow.session
    device = await _rating_device(uow, context, unit_id)
    await check_unit(session, context.ward, unit_id)
    if officer_id:
        officer = await find_person(session, context.ward, officer_id, "officer_id")
        if officer.unit_id != unit_id:
            raise Refusal(Kind.INVALID, "officer_not_in_unit", "officer_id")
    if captured_at is None:
        given, period = context.now, Month.of(context.now).key
        await check_period_open(session, context, period)
    else:
        given = captured_at
        period = check_capture(captured_at, context.policy, context.now, "captured_at").key
        await check_period_open(session, context, period, "captured_at")
    client_hash = _client_hash(context.ward, device.channel)
    if body.code is not None:  # a code proves a visit: counted whatever the device's pace
        if not await rating_codes.use(
            session, context.ward, unit_id, code_hash(context.ward, body.code), context.now
        ):
            raise Refusal(Kind.INVALID, "rating_code_invalid", "code")
        held = None
    elif context.policy.rating_codes_required:
        held = "no_code"
    else:
        held = await _held(session, context, device.device_id, client_hash)
    data = FeedbackReceivedData(
        feedback_id=uuid.uuid4(),
        unit_id=unit_id,
        level=body.level,
        officer_id=officer_id,
        procedure=body.procedure,
        channel=device.channel,
        period=period,
    )
    await feedback.insert(
        session,
        data,
        ward=context.ward,
        comment=body.comment,
        device_id=device.device_id,
        captured_at=given,
        received_at=context.now,
        held=held,
        client_hash=client_hash,
    )
    if held is not None:
        FEEDBACK_HELD.labels(held).inc()
    else:
        await open_if_owed(
            uow, context, data.feedback_id, unit_id, period, body.level, body.contact
        )
        uow.emit(received(context, data, given))
    return _answer(data.feedback_id, unit_id, period, given)


def received(context: Context, data: FeedbackReceivedData, given: datetime) -> FeedbackReceived:
    """The event of a counted rating. Its time is when the rating was given: scoring counts
    the month from ``period`` and the day of a "Rất không hài lòng" from ``occurred_at``, both
    the capture's."""
    return FeedbackReceived(**context.envelope(given), data=data)


async def release_held(
    uow: UnitOfWork,
    context: Context,
    period: str,
    unit_id: str,
    device_id: str | None,
) -> Answer:
    """Count a unit's ratings of ``period`` held for review (one device's when given): each is
    published as it would have been when it came (its capture time), so scoring counts it.
    ``{"period", "unit_id", "released"}``. Errors: 409 ``period_closed`` (a closed month's
    figures are final: reopen it first); 422 ``unknown_unit``."""
    await check_unit(uow.session, context.ward, unit_id)
    await check_period_open(uow.session, context, period)
    rows = await feedback.held_rows(uow.session, context.ward, period, unit_id, device_id)
    for row in rows:
        data = described_by(FeedbackReceivedData, row)
        uow.emit(received(context, data, row.captured_at or row.received_at))
    await feedback.count(uow.session, context.ward, [row.feedback_id for row in rows])
    return {"period": period, "unit_id": unit_id, "released": len(rows)}


#: Who may issue a unit's rating codes: those who work its counter, for their own unit, and
#: the ward's administrators.
CODE_ISSUERS = frozenset({Role.STAFF, Role.UNIT_HEAD, Role.ADMIN})


async def issue_rating_codes(uow: UnitOfWork, context: Context, unit_id: str, count: int) -> Answer:
    """``count`` single-use rating codes of ``unit_id``, valid ``Policy.rating_code_ttl``:
    ``{"unit_id", "codes": ["K7MX-4PQR", ...], "expires_at"}`` (only their hashes are kept).
    Errors: 403 ``forbidden`` (someone of another unit); 422 ``unknown_unit``."""
    caller = context.principal
    if caller.role is not Role.ADMIN and caller.unit_id != unit_id:
        raise Refusal(Kind.FORBIDDEN, "forbidden")
    await check_unit(uow.session, context.ward, unit_id)
    codes = [new_code() for _ in range(count)]
    expires_at = context.now + context.policy.rating_code_ttl
    hashes = [code_hash(context.ward, c) for c in codes]
    await rating_codes.add(
        uow.session, context.ward, unit_id, hashes, caller.subject_id, context.now, expires_at
    )
    return {"unit_id": unit_id, "codes": codes, "expires_at": expires_at.isoformat()}


def _answer(feedback_id: uuid.UUID, unit_id: str, period: str, given: datetime) -> Answer:
    return {
        "feedback_id": str(feedback_id),
        "unit_id": unit_id,
        "period": period,
        "captured_at": given.isoformat(),
    }


def _client_hash(ward: str, channel: str) -> str | None:
    """The hash of the QR page's client address (None for a kiosk, whose address is every
    citizen's at the counter, and for the NATS intake, which has none)."""
    address = client_address()
    if channel != "qr" or address is None:
        return None
    return hashlib.sha256(f"{ward}|{address}".encode()).hexdigest()


async def _held(
    session: AsyncSession, context: Context, device_id: str, client_hash: str | None
) -> str | None:
    """Why this rating is held for review (``device``, ``address``), or None: the ratings that
    arrived within a window before it, held ones included, already fill it
    (``domain.rating_windows``)."""
    arrived = []
    for reason, window in rating_windows.windows(context.policy, client_hash is not None):
        key = {"client_hash": client_hash} if reason == "address" else {"device_id": device_id}
        since = rating_windows.opens_at(window, context.now)
        count = await feedback.count_between(session, context.ward, since, context.now, **key)
        arrived.append((reason, window, count))
    return rating_windows.held_reason(arrived)


async def _rating_device(uow: UnitOfWork, context: Context, unit_id: str) -> Row[Any]:
    """The caller's device: an active kiosk or QR link of the ward (403 ``unknown_device``),
    registered for the unit rated (422 ``wrong_unit``: a device rates only its own unit)."""
    device = await org.active_device(uow.session, context.ward, context.principal.subject_id)
    if device is None or device.role != Role.KIOSK.value:
        raise Refusal(Kind.FORBIDDEN, "unknown_device")
    if device.unit_id != unit_id:
        raise Refusal(Kind.INVALID, "wrong_unit", "unit_id")
    return device
