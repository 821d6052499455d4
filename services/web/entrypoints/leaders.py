"""The leaders' pages: a unit head's review queue and every leader's alert inbox, with the
confirmation page an e-mail's acknowledge or snooze link opens (docs/ARCHITECTURE.md, "The web
front-end"). Each state change is a form POST with the CSRF token, sent on to the service with
the form's idempotency key, so a double click or a resent form counts once."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.common import LOCAL_TZ
from contracts.roles import Role
from services.runtime.refusals import Kind, Refusal
from services.web.adapters.upstream import refusal_of
from services.web.domain.sessions import WebSession
from services.web.entrypoints import (
    actions,
    callbacks,
    campaigns,
    city,
    initiatives,
    preferences,
    programme,
)
from services.web.entrypoints.deps import page, read_as, require, web_of
from services.web.entrypoints.forms import Refused, again_for_period, form_state, post_as, send
from services.web.entrypoints.pages import MonthQuery
from services.web.views import leaders as models
from services.web.views import pages as part1

router = APIRouter(include_in_schema=False)

Csrf = Annotated[str, Form(max_length=200)]
Key = Annotated[str, Form(max_length=200)]
REVIEWERS = {Role.UNIT_HEAD.value, Role.VICE_CHAIRMAN.value, Role.CHAIRMAN.value}
LEADERS = {Role.UNIT_HEAD.value, Role.VICE_CHAIRMAN.value, Role.CHAIRMAN.value, Role.ADMIN.value}


# --- the review queue --------------------------------------------------------------------------


async def _review_page(
    request: Request, period: str | None, refused: Refused | None = None
) -> HTMLResponse:
    session = await require(request, REVIEWERS)
    web, lang = web_of(request), web_of(request).cookies.lang(request)
    now = web.clock.now()
    months = part1.recent_months(now)
    period = period or months[0]
    catalog = await read_as(request, session, "assessment", "/v1/catalog")
    listed = await read_as(
        request,
        session,
        "assessment",
        "/v1/self-assessments",
        period=period,
        status="submitted",
    )
    units = await read_as(request, session, "assessment", "/v1/units")
    names = part1.unit_names(units["units"], lang)
    queue = models.review_queue(
        listed["self_assessments"], session.subject, now.astimezone(LOCAL_TZ).date()
    )
    return page(
        request,
        "review.html",
        session,
        period=period,
        months=models.with_period(months, period),
        queue=queue,
        units=names,
        item_texts=part1.item_texts(part1.pillars(catalog, lang, plus=True)),
        scores=part1.SCORES,
        **form_state(request, refused),
    )


@router.get("/review")
async def review_page(request: Request, period: MonthQuery = None) -> HTMLResponse:
    return await _review_page(request, period)


def _decision(_: WebSession, form: Any) -> dict[str, Any]:
    outcome = str(form.get("outcome") or "")
    body: dict[str, Any] = {"outcome": outcome, "reason": str(form.get("reason") or "") or None}
    if outcome == "adjusted":
        body["items"] = part1.plus_items(form)
    return body


@router.post("/review/{self_assessment_id}")
async def review(request: Request, self_assessment_id: uuid.UUID) -> Response:
    """The form's decision: ``outcome`` approved, adjusted (with ``score-<code>`` 0–4 or ``na``
    and a reason) or returned (with a reason), sent as the reviewer's own."""
    path = f"/v1/self-assessments/{self_assessment_id}/review"
    back = "/review?period={period}&done=1"
    return await send(request, REVIEWERS, path, _decision, back, again_for_period(_review_page))


# --- the alert inbox ---------------------------------------------------------------------------


async def _inbox(request: Request, session: WebSession) -> dict[str, Any]:
    web = web_of(request)
    listed = await read_as(request, session, "notifications", "/v1/alerts")
    return {"groups": models.alert_groups(listed["alerts"], web.clock.now())}


@router.get("/alerts")
async def alerts_page(request: Request) -> HTMLResponse:
    session = await require(request, LEADERS)
    error = request.query_params.get("error")
    return page(request, "alerts.html", session, error=error, **await _inbox(request, session))


@router.get("/alerts/inbox")
async def alerts_fragment(request: Request) -> HTMLResponse:
    """The inbox's groups alone, for the page to refresh itself without a reload."""
    session = await require(request, LEADERS)
    return page(request, "alerts_groups.html", session, **await _inbox(request, session))


# --- an e-mail's link ---------------------------------------------------------------------------


@router.get("/alerts/link/{token}")
async def link_page(request: Request, token: str) -> HTMLResponse:
    """What the link asks, and a button to confirm it: opening the link changes nothing (mail
    scanners open every link in a message)."""
    web = web_of(request)
    answer = await web.upstream.call(
        "notifications", "GET", f"/v1/links/{token}", lang=web.cookies.lang(request)
    )
    if answer.status >= 400:
        raise refusal_of(answer)
    return page(request, "alert_link.html", None, link=answer.json(), token=token, done=None)


@router.post("/alerts/link/{token}")
async def link_confirmed(request: Request, token: str, csrf: Csrf, key: Key = "") -> Response:
    """The person confirmed: the link's action, with the link's token as their credential."""
    web = web_of(request)
    web.cookies.check_csrf(request, csrf)
    answer = await post_as(request, None, "notifications", f"/v1/links/{token}", key[:200])
    if answer.status >= 400:
        raise refusal_of(answer)
    read = await web.upstream.call(
        "notifications", "GET", f"/v1/links/{token}", lang=web.cookies.lang(request)
    )
    link = read.json() if read.status == 200 else {"action": "ack", "alert": None}
    return page(request, "alert_link.html", None, link=link, token=token, done=link["action"])


# Declared after the link's routes, which ``/alerts/{alert_id}/{action}`` would match.
@router.post("/alerts/{alert_id}/{action}")
async def alert_action(
    request: Request,
    alert_id: uuid.UUID,
    action: str,
    csrf: Csrf,
    key: Key = "",
    hours: Annotated[float, Form(gt=0, le=720)] = 24.0,
) -> Response:
    """Acknowledge (``ack``) or snooze (``snooze``, for ``hours``) one's alert."""
    session = await require(request, LEADERS)
    web_of(request).cookies.check_csrf(request, csrf)
    if action not in ("ack", "snooze"):
        raise Refusal(Kind.NOT_FOUND, "not_found")
    body = {"hours": hours} if action == "snooze" else None
    path = f"/v1/alerts/{alert_id}/{action}"
    answer = await post_as(request, session, "notifications", path, key[:200], json=body)
    if answer.status >= 400:
        raise refusal_of(answer)
    return RedirectResponse("/alerts", status_code=303)


# The corrective actions' pages come with the leaders' (their owners are mostly unit heads).
router.include_router(actions.router)
router.include_router(city.router)
router.include_router(programme.router)
router.include_router(initiatives.router)
router.include_router(callbacks.router)
router.include_router(campaigns.router)
router.include_router(preferences.router)
