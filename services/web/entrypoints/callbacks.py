"""Call-backs owed to dissatisfied citizens (liên hệ lại người dân): a rating of a level the
policy names, left with a contact and the citizen's consent, opens one for the unit head; the
page lists them (the contact shown only to whoever calls, while it is open), and the head
notes the outcome."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from contracts.labels import LEVEL_LABELS
from contracts.roles import Role
from services.web.domain.sessions import WebSession
from services.web.entrypoints.deps import page, read_as, require, ward_today, web_of
from services.web.entrypoints.forms import Refused, form_state, send
from services.web.entrypoints.programme import unit_names
from services.web.views import leaders as models

router = APIRouter(include_in_schema=False)

READERS = {Role.UNIT_HEAD.value, Role.VICE_CHAIRMAN.value, Role.CHAIRMAN.value, Role.ADMIN.value}


async def _callbacks_page(request: Request, refused: Refused | None = None) -> HTMLResponse:
    session = await require(request, READERS)
    lang = web_of(request).cookies.lang(request)
    listed = await read_as(request, session, "assessment", "/v1/citizen-follow-ups")
    names = await unit_names(request, session)
    today = ward_today(request).isoformat()
    rows = [
        {
            **f,
            "unit": names.get(f["unit_id"], f["unit_id"]),
            "level_words": LEVEL_LABELS[f["level"]].pick(lang),
            "month": models.label_of(f["period"], lang),
            "overdue": f["status"] == "open" and f["due_on"] < today,
            "callable": f["status"] == "open" and f["contact"] is not None,
        }
        for f in sorted(listed["follow_ups"], key=lambda f: (f["due_on"], f["unit_id"]))
    ]
    return page(
        request,
        "callbacks.html",
        session,
        open=[r for r in rows if r["status"] == "open"],
        done_rows=[r for r in rows if r["status"] == "done"],
        **form_state(request, refused),
    )


@router.get("/call-backs")
async def callbacks_page(request: Request) -> HTMLResponse:
    return await _callbacks_page(request)


def _outcome(_: WebSession, form: Any) -> dict[str, Any]:
    return {"note": str(form.get("note") or "")}


@router.post("/call-backs/{follow_up_id}/done")
async def call_back_done(request: Request, follow_up_id: uuid.UUID) -> Response:
    path = f"/v1/citizen-follow-ups/{follow_up_id}/done"
    return await send(request, READERS, path, _outcome, "/call-backs?done=1", _callbacks_page)
