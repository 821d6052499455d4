"""Periodic reviews (họp đánh giá, rút kinh nghiệm): a unit head writes the review of a month,
quarter or year (assessment attaches the period's figures) with follow-up tasks; the
vice-chairman in charge (or the chairman) acknowledges it; a follow-up's owner, or the unit's
head, closes it with a note. Every form goes to assessment with a key of its own, so a form
sent twice is one submission."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from contracts.labels import PILLAR_LABELS
from contracts.roles import Role
from services.web.domain.sessions import WebSession
from services.web.entrypoints.classification import PeriodQuery
from services.web.entrypoints.deps import page, period_page, read_as, web_of
from services.web.entrypoints.forms import (
    Body,
    Refused,
    Rows,
    again_for_period,
    form_state,
    send,
)
from services.web.views import board
from services.web.views import leaders as models
from services.web.views import pages as part1

router = APIRouter(include_in_schema=False)

READERS = {Role.UNIT_HEAD.value, Role.VICE_CHAIRMAN.value, Role.CHAIRMAN.value, Role.ADMIN.value}
ACKNOWLEDGERS = {Role.VICE_CHAIRMAN.value, Role.CHAIRMAN.value}
#: Follow-up rows the form offers; a row with neither a task nor a due date typed is left out
#: (its owner defaults to the head), a refusal of a follow-up stands beside its row's field.
FOLLOW_UP_ROWS = 3
FOLLOW_UPS = Rows(
    FOLLOW_UP_ROWS, {"task": "task", "owner_id": "owner", "due_on": "due"}, ("task", "due")
)


async def unit_names(request: Request, session: WebSession) -> dict[str, str]:
    """The ward's units' names in the page's language, by unit id (assessment's ``/v1/units``)."""
    units = await read_as(request, session, "assessment", "/v1/units")
    return part1.unit_names(units["units"], web_of(request).cookies.lang(request))


#: Who lists the people of the units they lead (assessment's ``GET /v1/people``).
UNIT_LEADERS = {
    Role.UNIT_HEAD.value,
    Role.VICE_CHAIRMAN.value,
    Role.CHAIRMAN.value,
    Role.ADMIN.value,
}


async def unit_people(request: Request, session: WebSession) -> list[dict[str, Any]]:
    """The people of the units the caller leads, by name in Vietnamese order (assessment's
    ``/v1/people``, judged by their seat now); none for anyone else."""
    if session.role not in UNIT_LEADERS:
        return []
    listed = await read_as(request, session, "assessment", "/v1/people")
    return list(listed["people"])


def person_names(session: WebSession, people: list[dict[str, Any]]) -> dict[str, str]:
    """Names by person id: ``people``'s, and the caller's own."""
    names = {p["person_id"]: p["full_name"] for p in people}
    if session.name:
        names[session.subject] = session.name
    return names


async def _reviews_page(
    request: Request, period: str | None, refused: Refused | None = None
) -> HTMLResponse:
    # Last month by default: the one a unit reviews now.
    session, lang, periods, period = await period_page(
        request, READERS, models.classification_periods, period, default=1
    )
    listed = await read_as(request, session, "assessment", "/v1/reviews", period=period)
    names = await unit_names(request, session)
    people = await unit_people(request, session)
    named = person_names(session, people)
    reviews = [
        {
            **r,
            "unit": names.get(r["unit_id"], r["unit_id"]),
            "scores": _scores(r["figures"].get("scores"), lang),
            "actions": r["figures"].get("corrective_actions") or {},
            "follow_ups": [
                {
                    **f,
                    "owner": named.get(f["owner_id"], f["owner_id"]),
                    "closable": _closes(session, r, f),
                }
                for f in r["follow_ups"]
            ],
            "writer": named.get(r["written_by"], r["written_by"]),
            "may_acknowledge": session.role in ACKNOWLEDGERS and not r["acknowledged_at"],
        }
        for r in listed["reviews"]
    ]
    written = {r["unit_id"] for r in reviews}
    may_write = session.role == Role.UNIT_HEAD.value and session.unit not in written
    return page(
        request,
        "period_reviews.html",
        session,
        **board.period_choice(period, periods, lang),
        reviews=reviews,
        may_write=may_write,
        unit_name=names.get(session.unit or "", ""),
        rows=range(FOLLOW_UP_ROWS),
        # A follow-up's owner: the head first, then the unit's people by name.
        owners=_owners(session, people),
        **form_state(request, refused),
    )


def _scores(scores: Any, lang: str) -> dict[str, Any] | None:
    """Scoring's figures as attached to the review, pillars named in the catalogue's words."""
    if not scores:
        return None
    pillars = [
        {**p, "label": PILLAR_LABELS[p["pillar"]].pick(lang)} for p in scores.get("pillars", [])
    ]
    return {**scores, "pillars": pillars}


def _owners(session: WebSession, people: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Whom a head may make a follow-up's owner: themself first, then their unit's people."""
    own = [(session.subject, session.name or session.subject)]
    return own + [
        (p["person_id"], p["full_name"])
        for p in people
        if p["unit_id"] == session.unit and p["person_id"] != session.subject
    ]


def _closes(session: WebSession, review: dict[str, Any], follow_up: dict[str, Any]) -> bool:
    """Assessment's rule (``closes_for``), to offer the form: the owner, the unit's head, an
    administrator; an open task only."""
    return follow_up["status"] == "open" and (
        follow_up["owner_id"] == session.subject
        or session.role == Role.ADMIN.value
        or (session.role == Role.UNIT_HEAD.value and session.unit == review["unit_id"])
    )


@router.get("/reviews")
async def reviews_page(request: Request, period: PeriodQuery = None) -> HTMLResponse:
    return await _reviews_page(request, period)


async def _send(request: Request, path: str, body: Body, done: str) -> Response:
    return await send(
        request,
        READERS,
        path,
        body,
        f"/reviews?period={{period}}&done={done}",
        again_for_period(_reviews_page),
        fields={"follow_ups": FOLLOW_UPS},
    )


def _review_body(session: WebSession, form: Any) -> dict[str, Any]:
    # A row written is sent as typed: a due date without a task is the service's to refuse.
    follow_ups = [
        {
            "task": FOLLOW_UPS.value(form, row, "task"),
            "owner_id": FOLLOW_UPS.value(form, row, "owner_id") or session.subject,
            "due_on": FOLLOW_UPS.value(form, row, "due_on"),
        }
        for row in FOLLOW_UPS.of(form)
    ]
    return {
        "unit_id": session.unit,
        "period": str(form.get("period") or ""),
        "went_well": str(form.get("went_well") or ""),
        "went_badly": str(form.get("went_badly") or ""),
        "lessons": str(form.get("lessons") or ""),
        "follow_ups": follow_ups,
    }


@router.post("/reviews")
async def write_review(request: Request) -> Response:
    return await _send(request, "/v1/reviews", _review_body, "written")


@router.post("/reviews/{review_id}/acknowledge")
async def acknowledge(request: Request, review_id: uuid.UUID) -> Response:
    def body(_: WebSession, form: Any) -> dict[str, Any]:
        return {"note": str(form.get("note") or "") or None}

    return await _send(request, f"/v1/reviews/{review_id}/acknowledge", body, "acknowledged")


@router.post("/reviews/follow-ups/{follow_up_id}/close")
async def close_follow_up(request: Request, follow_up_id: uuid.UUID) -> Response:
    def body(_: WebSession, form: Any) -> dict[str, Any]:
        return {"note": str(form.get("note") or "")}

    path = f"/v1/review-follow-ups/{follow_up_id}/close"
    return await _send(request, path, body, "closed")
