"""The pages: sign-in and out, the language switch, the demo's sign-in by id, and each role's
home (auditor checklist, kiosk rating screen, monthly "+" self-assessment)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.periods import MonthKey
from contracts.roles import PERSON_ROLES, Role
from services.runtime.refusals import Kind, Refusal
from services.web.domain.sessions import WebSession, home_of
from services.web.entrypoints.deps import current_session, page, read_as, require, web_of
from services.web.entrypoints.forms import Refused, again_for_period, form_state, send
from services.web.handlers import sessions
from services.web.views import pages as models
from services.web.views.leaders import with_period

router = APIRouter(include_in_schema=False)

Csrf = Annotated[str, Form(max_length=200)]
#: A month page's month (``?period=2026-05``), absent for the page's own choice.
MonthQuery = Annotated[MonthKey | None, Query()]


def _local(path: str | None) -> str:
    """A redirect target on this site only (an open redirect would lend the ward's name)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/")
async def home(request: Request) -> Response:
    session = await current_session(request)
    return _see_other(home_of(session) if session else "/sign-in")


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:
    return page(request, "sign_in.html", next=_local(next), failed=False, email="")


@router.post("/sign-in")
async def sign_in(
    request: Request,
    csrf: Csrf,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    web = web_of(request)
    web.cookies.check_csrf(request, csrf)
    session = await sessions.password_sign_in(web.upstream, email.strip(), password)
    if session is None:
        return page(
            request, "sign_in.html", status=401, next=_local(next), failed=True, email=email
        )
    target = _local(next) if next not in ("", "/") else home_of(session)
    response = _see_other(target)
    web.cookies.keep_session(response, request, session)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, csrf: Csrf) -> Response:
    web = web_of(request)
    web.cookies.check_csrf(request, csrf)
    session = web.cookies.session(request)
    if session is not None:
        # Ended here for every kind of session (a device's or demo token stays valid for the
        # others holding it); a person's refresh family is revoked at assessment too.
        await web.ended.end(request.state.sid)
        await sessions.sign_out(web.upstream, session)
    response = _see_other("/sign-in")
    web.cookies.end_session(response, request)
    return response


@router.post("/language")
async def switch_language(
    request: Request,
    csrf: Csrf,
    lang: Annotated[str, Form(pattern="^(vi|en)$")],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    web = web_of(request)
    web.cookies.check_csrf(request, csrf)
    response = _see_other(_local(next))
    web.cookies.keep_lang(response, request, lang)
    return response


@router.get("/demo/sign-in/{subject}")
async def demo_sign_in(request: Request, subject: str) -> Response:
    """Demo stacks only (404 elsewhere): sign in as a demo person (``p005``) or device
    (``kiosk-01``) and land on their home page."""
    web = web_of(request)
    tokens = web.settings.demo_tokens
    if not web.settings.demo_mode or tokens is None:
        raise Refusal(Kind.NOT_FOUND, "not_found")
    session = sessions.demo_sign_in(tokens, subject)
    if session is None:
        raise Refusal(Kind.NOT_FOUND, "not_found")
    response = _see_other(home_of(session))
    web.cookies.keep_session(response, request, session)
    return response


@router.get("/nothing-here")
async def nothing_here(request: Request) -> HTMLResponse:
    session = await require(request)
    return page(request, "message.html", session, message_key="nothing_here")


# --- the auditor's checklist --------------------------------------------------------------------


@router.get("/audit")
async def audit_page(request: Request) -> HTMLResponse:
    session = await require(request, {Role.AUDITOR.value})
    lang = web_of(request).cookies.lang(request)
    catalog, units, months = await asyncio.gather(  # three reads at once, not one after another
        read_as(request, session, "assessment", "/v1/catalog"),
        read_as(request, session, "assessment", "/v1/units"),
        open_months(request, session),
    )
    return page(
        request,
        "audit.html",
        session,
        open_months=months,
        catalog_version=catalog["version"],
        pillars=models.pillars(catalog, lang, plus=False),
        units=models.units_to_audit(units["units"], session.unit, lang),
        scores=models.SCORES,
    )


async def open_months(request: Request, session: WebSession) -> list[str]:
    """The months that take submissions now, newest first (assessment's ``GET /v1/periods``):
    the pages offer no other and say so before sending for a closed one."""
    listed = await read_as(request, session, "assessment", "/v1/periods")
    return [month["period"] for month in listed["months"] if month["open"]]


# --- the citizen's kiosk --------------------------------------------------------------------------


async def rating_screen(
    request: Request, device: WebSession, post_to: str, shown: WebSession | None
) -> HTMLResponse:
    """The citizen's rating screen of ``device``'s unit (a kiosk's, or a QR link's), whose
    ratings go to ``post_to``; ``shown``: the session the bar shows (none on a QR page)."""
    lang = web_of(request).cookies.lang(request)
    units = await read_as(request, device, "assessment", "/v1/units")
    unit = next((u for u in units["units"] if u["unit_id"] == device.unit), None)
    name = models.unit_name(unit, lang) if unit else ""
    return page(
        request,
        "kiosk.html",
        shown,
        unit_id=device.unit,
        unit_name=name,
        bar_name=name,  # the bar names the kiosk by its unit, never by its device id
        levels=models.levels(lang),
        post_to=post_to,
    )


@router.get("/kiosk")
async def kiosk_page(request: Request) -> HTMLResponse:
    session = await require(request, {Role.KIOSK.value})
    return await rating_screen(request, session, "/api/assessment/v1/feedback", session)


# --- the monthly "+" self-assessment --------------------------------------------------------------

PEOPLE = {role.value for role in PERSON_ROLES}


async def _plus_page(
    request: Request, period: str | None, refused: Refused | None = None
) -> HTMLResponse:
    """The person's "+" for ``period`` (the newest open month by default); the month list
    offers the open months and the month shown, and a closed month's page shows it (selected
    in the list) and takes nothing. After a
    refusal (``refused``) the page says why and the form keeps what was typed (code -> score,
    None for not applicable), under a new idempotency key: corrected, it is a new submission."""
    session = await require(request, PEOPLE)
    web, lang = web_of(request), web_of(request).cookies.lang(request)
    months = await open_months(request, session)
    period = period or (months[0] if months else models.recent_months(web.clock.now())[0])
    catalog = await read_as(request, session, "assessment", "/v1/catalog")
    listed = await read_as(request, session, "assessment", "/v1/self-assessments", period=period)
    mine = [row for row in listed["self_assessments"] if row["person_id"] == session.subject]
    current: dict[str, Any] | None = mine[-1] if mine else None
    plus = models.pillars(catalog, lang, plus=True)
    # A refused form is drawn again as it was typed, to correct and send again.
    shown = models.scores_of({"items": models.plus_items(refused.form)} if refused else current)
    return page(
        request,
        "plus.html",
        session,
        period=period,
        # The month shown is the one its picker selects, a closed one among the open ones.
        months=with_period(months, period),
        closed=period not in months,
        pillars=plus,
        item_texts=models.item_texts(plus),
        current=current,
        shown=shown,
        reviewer=f"reviewer_{session.role}",
        scores=models.SCORES,
        **form_state(request, refused),
        editable=period in months
        and (refused is not None or current is None or current["status"] == "returned"),
    )


@router.get("/self-assessment")
async def plus_page(request: Request, period: MonthQuery = None) -> HTMLResponse:
    return await _plus_page(request, period)


def _plus(_: WebSession, form: Any) -> dict[str, Any]:
    return {"period": str(form.get("period") or ""), "items": models.plus_items(form)}


@router.post("/self-assessment")
async def submit_plus(request: Request) -> Response:
    """The form's scores (``score-<code>``: 0–4 or ``na``) sent as the person's own
    self-assessment with the form's idempotency key (a double click records one)."""
    back = "/self-assessment?period={period}&sent=1"
    again = again_for_period(_plus_page)
    return await send(request, PEOPLE, "/v1/self-assessments", _plus, back, again)
