"""The notifications API: each person's in-app inbox of alerts, acknowledging and snoozing them
(by API or by the signed link in a message), channel preferences, failed deliveries, and the
demo clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from contracts.notification_commands import (
    AcknowledgeCommand,
    ClockBody,
    PreferencesBody,
    PreferencesCommand,
    SnoozeBody,
    SnoozeCommand,
)
from contracts.roles import Role
from services.notifications import views
from services.notifications.domain import links
from services.notifications.handlers.commands import may_manage
from services.runtime.command_routes import command_route, run
from services.runtime.commands import Commands
from services.runtime.http import (
    Caller,
    IdempotencyKey,
    Language,
    Reads,
    app_state,
    error_responses,
)
from services.runtime.refusals import Kind, Refusal, found

if TYPE_CHECKING:  # the composition root imports this module
    from services.notifications.bootstrap import Notifications

router = APIRouter(prefix="/v1", tags=["notifications"])

#: How long the snooze link in a message holds the repeats.
LINK_SNOOZE_HOURS = 24.0


_service: Callable[[Request], Notifications] = app_state("notifications")


@router.get("/alerts", summary="The caller's alerts (cảnh báo của tôi)")
async def my_alerts(
    caller: Caller,
    session: Reads,
    language: Language,
    include_resolved: Annotated[bool, Query()] = False,
) -> dict[str, Any]:
    items = await views.inbox(session, caller.ward, caller.subject_id, language, include_resolved)
    return {"alerts": items}


def _people(request: Request) -> Commands[Any]:
    return _service(request).people


command_route(
    router,
    "POST",
    "/alerts/{alert_id}/ack",
    "acknowledge",
    AcknowledgeCommand,
    pipeline=_people,
    errors=(404, 409),
    summary="Acknowledge one's alert: no more repeats or escalation (xác nhận)",
)
command_route(
    router,
    "POST",
    "/alerts/{alert_id}/snooze",
    "snooze",
    SnoozeCommand,
    pipeline=_people,
    body=SnoozeBody,
    errors=(404, 409),
    summary="Hold the repeats of one's alert for some hours (nhắc lại sau)",
)


def _link(request: Request, token: str) -> links.LinkAction:
    """What the link's token in the path asks for (403 ``link_invalid``: altered, expired, not
    a link), checked before the route opens its session."""
    service = _service(request)
    secret = service.settings.signing_secret.get_secret_value()
    try:
        return links.verify(secret, token, service.clock.now())
    except links.InvalidLink:
        raise Refusal(Kind.FORBIDDEN, "link_invalid") from None


#: The action of the link ``/links/{token}`` names, as a route's parameter (:func:`_link`).
Link = Annotated[links.LinkAction, Depends(_link)]


@router.get(
    "/links/{token}",
    responses=error_responses(404),
    summary="What an acknowledge or snooze link from a message asks for; changes nothing",
)
async def read_link(action: Link, session: Reads, language: Language) -> dict[str, Any]:
    """The alert (its title and text in the caller's language, its state) and the action, for
    the web pages' confirmation page. A GET never acts: mail scanners open every link."""
    alert = found(await views.alert_of(session, str(action.alert_id), language), "not_found")
    hours = LINK_SNOOZE_HOURS if action.action == "snooze" else None
    return {"action": action.action, "snooze_hours": hours, "alert": alert}


@router.post(
    "/links/{token}",
    responses=error_responses(404, 409),
    summary="Do what an acknowledge or snooze link asks, once the person confirmed it (the "
    "token is the credential)",
)
async def follow_link(
    request: Request, action: Link, session: Reads, key: IdempotencyKey = None
) -> JSONResponse:
    """The link's token is the recipient's credential for this one alert: the command runs as
    them, through the same pipeline as the API's."""
    alert_id = str(action.alert_id)
    recipient = found(await views.recipient_of(session, alert_id), "not_found")
    body: BaseModel
    if action.action == "ack":
        body = AcknowledgeCommand(alert_id=alert_id)
    else:
        body = SnoozeCommand(alert_id=alert_id, hours=LINK_SNOOZE_HOURS)
    return await run(_service(request).people, recipient, body, key)


def _named(caller: Caller, person_id: str) -> str:
    """The person ``/preferences/{person_id}`` names: ``me`` is the caller."""
    return caller.subject_id if person_id == "me" else person_id


#: The person a preferences route is about, as a route's parameter (:func:`_named`).
Named = Annotated[str, Depends(_named)]


@router.get(
    "/preferences/{person_id}",
    summary="A person's channels (oneself, or any person for an admin); 'me' for oneself",
)
async def get_preferences(caller: Caller, person_id: Named, session: Reads) -> dict[str, Any]:
    may_manage(caller, person_id)
    return await views.preferences_of(session, caller.ward, person_id)


command_route(
    router,
    "PUT",
    "/preferences/{person_id}",
    "put_preferences",
    PreferencesCommand,
    pipeline=_people,
    param=Named,
    body=PreferencesBody,
    errors=(404,),
    summary="Choose channels: e-mail, a webhook, the daily digest ('me' for oneself)",
)


@router.get(
    "/deliveries/failed",
    summary="Deliveries refused for good (a wrong address), for the ward's admin",
)
async def failed_deliveries(caller: Caller, session: Reads) -> dict[str, Any]:
    if caller.role is not Role.ADMIN:
        raise Refusal(Kind.FORBIDDEN, "forbidden")
    return {"deliveries": await views.failed_deliveries(session, caller.ward)}


@router.get("/clock", summary="The service's clock")
async def get_clock(request: Request, caller: Caller) -> dict[str, Any]:
    clock = _service(request).clock
    return {"now": clock.now().isoformat(), "adjustable": clock.adjustable}


command_route(
    router,
    "POST",
    "/clock",
    "move_clock",
    ClockBody,
    pipeline=_people,
    errors=(409,),
    summary="Move the demo clock forward (admin; refused in production)",
)
