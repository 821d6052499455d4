"""Corrective actions (biện pháp khắc phục): the open findings of the caller's units (or owned
by the caller) with their owner and due date, overdue ones marked; the owner (or the unit's
head, or an administrator) closes one with a note and a photo. The photo is uploaded to
assessment's ``POST /v1/evidence`` first (cleaned there, its metadata dropped), then cited by
the closing, so whoever may read the audit sees it. Whoever may read them is offered this month's
and the last's audits and corrective actions as exported by assessment (through the gateway)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from contracts.roles import PERSON_ROLES, Role
from services.web.domain.sessions import WebSession
from services.web.entrypoints.deps import page, read_as, require, ward_today, web_of
from services.web.entrypoints.forms import Refused, form_key, form_state, post_as, posted_form
from services.web.views import board as figures
from services.web.views import leaders as models
from services.web.views import pages as part1

router = APIRouter(include_in_schema=False)

PEOPLE = {role.value for role in PERSON_ROLES}
#: A photo as the phone gives it may be up to assessment's 10 MB; a little more is read so
#: that assessment, not the form parser, says it is too large.
PHOTO_MAX_BYTES = 11 * 1024 * 1024


def may_close(session: WebSession, action: dict[str, Any]) -> bool:
    """The rule assessment applies (``close_corrective_action``), to offer the form: the owner,
    the unit's head, an administrator; never the auditor who found it (assessment says so)."""
    return (
        action["owner_id"] == session.subject
        or session.role == Role.ADMIN.value
        or (session.role == Role.UNIT_HEAD.value and session.unit == action["unit_id"])
    )


async def _actions_page(request: Request, refused: Refused | None = None) -> HTMLResponse:
    session = await require(request, PEOPLE)
    lang = web_of(request).cookies.lang(request)
    listed = await read_as(request, session, "assessment", "/v1/corrective-actions", status="open")
    units = await read_as(request, session, "assessment", "/v1/units")
    catalog = await read_as(request, session, "assessment", "/v1/catalog")
    names = part1.unit_names(units["units"], lang)
    texts = {
        item.code: item.text
        for pillar in part1.pillars(catalog, lang, plus=False)
        for item in pillar.items
    }
    today = ward_today(request)
    actions = listed["corrective_actions"]
    overdue = {a["action_id"] for a in figures.overdue_actions(actions, today)}
    shown = [
        {
            **a,
            "unit": names.get(a["unit_id"], a["unit_id"]),
            "item_text": texts.get(a["item_code"], ""),
            "overdue": a["action_id"] in overdue,
            "closable": may_close(session, a),
        }
        for a in sorted(actions, key=lambda a: (a["due_on"], a["unit_id"], a["item_code"]))
    ]
    return page(
        request,
        "actions.html",
        session,
        actions=shown,
        overdue_count=len(overdue),
        month_files=models.month_exports(
            session.role, part1.recent_months(web_of(request).clock.now()), lang
        ),
        **form_state(request, refused),
    )


@router.get("/actions")
async def actions_page(request: Request) -> HTMLResponse:
    return await _actions_page(request)


@router.post("/actions/{action_id}/close")
async def close_action(request: Request, action_id: uuid.UUID) -> Response:
    """The form's note and photo: the photo uploaded as the caller's evidence, then the action
    closed citing it, each with a key of the form's (a resent form uploads and closes once)."""
    session, form = await posted_form(request, PEOPLE, max_files=1, max_part_size=PHOTO_MAX_BYTES)
    key = form_key(form)
    evidence: list[str] = []
    photo = form.get("photo")
    if isinstance(photo, UploadFile) and photo.filename:
        data = await photo.read()
        kind = {"content-type": photo.content_type or "application/octet-stream"}
        uploaded = await post_as(
            request,
            session,
            "assessment",
            "/v1/evidence",
            f"{key}-photo",
            headers=kind,
            content=data,
        )
        if uploaded.status >= 400:
            # Whatever the upload's refusal names, it is of the photo.
            refused = replace(Refused.of(request, form, uploaded), field="photo")
            return await _actions_page(request, refused)
        evidence.append(str(uploaded.json()["evidence_id"]))
    closing = {"note": str(form.get("note") or ""), "evidence": evidence}
    path = f"/v1/corrective-actions/{action_id}/close"
    answer = await post_as(request, session, "assessment", path, f"{key}-close", json=closing)
    if answer.status >= 400:
        return await _actions_page(request, Refused.of(request, form, answer))
    return RedirectResponse("/actions?done=1", status_code=303)
