"""The notifications API: each person's in-app inbox of alerts, acknowledging and snoozing them
(by API or by the signed link in a message), channel preferences, failed deliveries, and the
demo clock."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse

from contracts.roles import Role
from services.notifications import handlers, links, views
from services.notifications.entrypoints.schemas import ClockBody, PreferencesBody, SnoozeBody
from services.runtime.auth import Principal
from services.runtime.clock import ClockFixed
from services.runtime.db import transaction
from services.runtime.errors import ApiError, pick_language, register_messages
from services.runtime.http import Caller, error_responses

router = APIRouter(prefix="/v1", tags=["notifications"])

#: How long the snooze link in a message holds the repeats.
LINK_SNOOZE_HOURS = 24.0

register_messages(
    {
        "alert_resolved": (
            "Cảnh báo này đã được khắc phục.",
            "This alert has already been resolved.",
        ),
        "alert_not_open": (
            "Chỉ tạm hoãn được cảnh báo đang mở.",
            "Only an open alert can be snoozed.",
        ),
        "clock_fixed": (
            "Không thể chỉnh đồng hồ khi chạy chính thức.",
            "The clock cannot be moved in production.",
        ),
        "link_invalid": (
            "Đường liên kết không hợp lệ hoặc đã hết hạn.",
            "The link is not valid or has expired.",
        ),
        "clock_change_required": (
            "Cần advance_seconds hoặc set_to.",
            "Give advance_seconds or set_to.",
        ),
    }
)


def _service(request: Request) -> Any:
    return request.app.state.notifications


@router.get(
    "/alerts", responses=error_responses(401), summary="The caller's alerts (cảnh báo của tôi)"
)
async def my_alerts(
    request: Request,
    caller: Caller,
    include_resolved: Annotated[bool, Query()] = False,
    accept_language: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    async with request.app.state.runtime.sessions() as session:
        items = await views.inbox(
            session,
            caller.ward,
            caller.subject_id,
            pick_language(accept_language),
            include_resolved,
        )
    return {"alerts": items}


@router.post(
    "/alerts/{alert_id}/ack",
    responses=error_responses(401, 404, 409),
    summary="Acknowledge one's alert: no more repeats or escalation (xác nhận)",
)
async def acknowledge(request: Request, caller: Caller, alert_id: str) -> dict[str, Any]:
    service = _service(request)
    async with transaction(service.runtime.sessions) as session:
        status = await handlers.acknowledge(
            service.policy, session, caller.ward, caller.subject_id, alert_id
        )
    return {"alert_id": alert_id, "status": status}


@router.post(
    "/alerts/{alert_id}/snooze",
    responses=error_responses(401, 404, 409, 422),
    summary="Hold the repeats of one's alert for some hours (nhắc lại sau)",
)
async def snooze(
    request: Request, caller: Caller, alert_id: str, body: SnoozeBody
) -> dict[str, Any]:
    service = _service(request)
    async with transaction(service.runtime.sessions) as session:
        until = await handlers.snooze(
            service.policy, session, caller.ward, caller.subject_id, alert_id, body.hours
        )
    return {"alert_id": alert_id, "status": "open", "snoozed_until": until.isoformat()}


_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>5S+</title></head><body><p>{vi}</p><p lang="en"><small>{en}</small></p></body></html>"""


@router.get(
    "/links/{token}",
    response_class=HTMLResponse,
    summary="Follow an acknowledge or snooze link from a message (the token is the credential)",
)
async def follow_link(request: Request, token: str) -> HTMLResponse:
    service = _service(request)
    secret = service.settings.signing_secret.get_secret_value()
    try:
        action = links.verify(secret, token, service.policy.clock.now())
    except links.InvalidLink:
        raise ApiError(403, "link_invalid") from None
    async with transaction(service.runtime.sessions) as session:
        recipient = await views.recipient_of(session, str(action.alert_id))
        if recipient is None:
            raise ApiError(404, "not_found")
        ward, person_id = recipient
        if action.action == "ack":
            await handlers.acknowledge(
                service.policy, session, ward, person_id, str(action.alert_id)
            )
            page = _PAGE.format(vi="Đã xác nhận cảnh báo. Cảm ơn!", en="Alert acknowledged.")
        else:
            await handlers.snooze(
                service.policy, session, ward, person_id, str(action.alert_id), LINK_SNOOZE_HOURS
            )
            page = _PAGE.format(
                vi="Đã hoãn nhắc lại cảnh báo trong 24 giờ.", en="Reminders held for 24 hours."
            )
    return HTMLResponse(page)


def _may_manage(caller: Principal, person_id: str) -> None:
    if caller.subject_id != person_id and caller.role is not Role.ADMIN:
        raise ApiError(403, "forbidden")


@router.get(
    "/preferences/{person_id}",
    responses=error_responses(401, 403),
    summary="A person's channels (oneself, or any person for an admin); 'me' for oneself",
)
async def get_preferences(request: Request, caller: Caller, person_id: str) -> dict[str, Any]:
    person_id = caller.subject_id if person_id == "me" else person_id
    _may_manage(caller, person_id)
    async with _service(request).runtime.sessions() as session:
        return await views.preferences_of(session, caller.ward, person_id)


@router.put(
    "/preferences/{person_id}",
    responses=error_responses(401, 403, 404, 422),
    summary="Choose channels: e-mail, a webhook, the daily digest ('me' for oneself)",
)
async def put_preferences(
    request: Request, caller: Caller, person_id: str, body: PreferencesBody
) -> dict[str, Any]:
    person_id = caller.subject_id if person_id == "me" else person_id
    _may_manage(caller, person_id)
    service = _service(request)
    async with transaction(service.runtime.sessions) as session:
        await handlers.set_preferences(
            service.policy,
            session,
            caller.ward,
            person_id,
            email=body.email,
            webhook_url=str(body.webhook_url) if body.webhook_url else None,
            digest=body.digest,
        )
        return await views.preferences_of(session, caller.ward, person_id)


@router.get(
    "/deliveries/failed",
    responses=error_responses(401, 403),
    summary="Deliveries refused for good (a wrong address), for the ward's admin",
)
async def failed_deliveries(request: Request, caller: Caller) -> dict[str, Any]:
    if caller.role is not Role.ADMIN:
        raise ApiError(403, "forbidden")
    async with _service(request).runtime.sessions() as session:
        return {"deliveries": await views.failed_deliveries(session, caller.ward)}


@router.get("/clock", responses=error_responses(401), summary="The service's clock")
async def get_clock(request: Request, caller: Caller) -> dict[str, Any]:
    clock = _service(request).policy.clock
    return {"now": clock.now().isoformat(), "adjustable": clock.adjustable}


@router.post(
    "/clock",
    responses=error_responses(401, 403, 409, 422),
    summary="Move the demo clock forward (admin; refused in production)",
)
async def move_clock(request: Request, caller: Caller, body: ClockBody) -> dict[str, Any]:
    if caller.role is not Role.ADMIN:
        raise ApiError(403, "forbidden")
    service = _service(request)
    try:
        if body.set_to is not None:
            now = service.policy.clock.set(body.set_to)
        elif body.advance_seconds is not None:
            now = service.policy.clock.advance(body.advance_seconds)
        else:
            raise ApiError(422, "clock_change_required", "advance_seconds")
    except ClockFixed:
        raise ApiError(409, "clock_fixed") from None
    service.scheduler.wake()
    return {"now": now.isoformat(), "adjustable": True}
