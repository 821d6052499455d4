"""The notifications API: each person's in-app inbox of alerts, acknowledging and snoozing them
(by API or by the signed link in a message), channel preferences, failed deliveries, and the
demo clock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse

from contracts.roles import Role
from services.notifications import links, views
from services.notifications.entrypoints.schemas import ClockBody, PreferencesBody, SnoozeBody
from services.notifications.handlers.commands import (
    COMMANDS,
    Acknowledge,
    SetPreferences,
    Snooze,
)
from services.runtime.auth import Principal
from services.runtime.clock import ClockFixed
from services.runtime.errors import pick_language
from services.runtime.http import Caller, error_responses
from services.runtime.refusals import Kind, Refusal

if TYPE_CHECKING:  # the composition root imports this module
    from services.notifications.bootstrap import Notifications

router = APIRouter(prefix="/v1", tags=["notifications"])

#: How long the snooze link in a message holds the repeats.
LINK_SNOOZE_HOURS = 24.0


def _service(request: Request) -> Notifications:
    service: Notifications = request.app.state.notifications
    return service


async def _command(service: Notifications, command: object) -> Any:
    """Run one person's command in its own unit of work."""
    async with service.units() as uow:
        return await COMMANDS.dispatch(service.context(uow), command)


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
    command = Acknowledge(caller.ward, caller.subject_id, alert_id)
    status = await _command(_service(request), command)
    return {"alert_id": alert_id, "status": status}


@router.post(
    "/alerts/{alert_id}/snooze",
    responses=error_responses(401, 404, 409, 422),
    summary="Hold the repeats of one's alert for some hours (nhắc lại sau)",
)
async def snooze(
    request: Request, caller: Caller, alert_id: str, body: SnoozeBody
) -> dict[str, Any]:
    command = Snooze(caller.ward, caller.subject_id, alert_id, body.hours)
    until = await _command(_service(request), command)
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
        action = links.verify(secret, token, service.clock.now())
    except links.InvalidLink:
        raise Refusal(Kind.FORBIDDEN, "link_invalid") from None
    alert_id = str(action.alert_id)
    async with service.runtime.sessions() as session:
        recipient = await views.recipient_of(session, alert_id)
    if recipient is None:
        raise Refusal(Kind.NOT_FOUND, "not_found")
    ward, person_id = recipient
    if action.action == "ack":
        await _command(service, Acknowledge(ward, person_id, alert_id))
        page = _PAGE.format(vi="Đã xác nhận cảnh báo. Cảm ơn!", en="Alert acknowledged.")
    else:
        await _command(service, Snooze(ward, person_id, alert_id, LINK_SNOOZE_HOURS))
        page = _PAGE.format(
            vi="Đã hoãn nhắc lại cảnh báo trong 24 giờ.", en="Reminders held for 24 hours."
        )
    return HTMLResponse(page)


def _may_manage(caller: Principal, person_id: str) -> None:
    if caller.subject_id != person_id and caller.role is not Role.ADMIN:
        raise Refusal(Kind.FORBIDDEN, "forbidden")


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
    webhook_url = str(body.webhook_url) if body.webhook_url else None
    await _command(
        service, SetPreferences(caller.ward, person_id, body.email, webhook_url, body.digest)
    )
    async with service.runtime.sessions() as session:
        return await views.preferences_of(session, caller.ward, person_id)


@router.get(
    "/deliveries/failed",
    responses=error_responses(401, 403),
    summary="Deliveries refused for good (a wrong address), for the ward's admin",
)
async def failed_deliveries(request: Request, caller: Caller) -> dict[str, Any]:
    if caller.role is not Role.ADMIN:
        raise Refusal(Kind.FORBIDDEN, "forbidden")
    async with _service(request).runtime.sessions() as session:
        return {"deliveries": await views.failed_deliveries(session, caller.ward)}


@router.get("/clock", responses=error_responses(401), summary="The service's clock")
async def get_clock(request: Request, caller: Caller) -> dict[str, Any]:
    clock = _service(request).clock
    return {"now": clock.now().isoformat(), "adjustable": clock.adjustable}


@router.post(
    "/clock",
    responses=error_responses(401, 403, 409, 422),
    summary="Move the demo clock forward (admin; refused in production)",
)
async def move_clock(request: Request, caller: Caller, body: ClockBody) -> dict[str, Any]:
    if caller.role is not Role.ADMIN:
        raise Refusal(Kind.FORBIDDEN, "forbidden")
    service = _service(request)
    try:
        if body.set_to is not None:
            now = service.clock.set(body.set_to)
        elif body.advance_seconds is not None:
            now = service.clock.advance(body.advance_seconds)
        else:
            raise Refusal(Kind.INVALID, "clock_change_required", "advance_seconds")
    except ClockFixed:
        raise Refusal(Kind.CONFLICT, "clock_fixed") from None
    service.scheduler.wake()
    return {"now": now.isoformat(), "adjustable": True}
