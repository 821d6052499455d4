"""The initiatives register (sổ sáng kiến): anyone of the ward proposes an initiative (a unit
head may propose it as the unit's); the register lists those of the units the caller sees and
their own with their state, each proposer by name; the chairman or a member of the council
the policy names decides (accepted, piloting, adopted with its measured effect, rejected with a
reason). The page offers the form where assessment's register says the caller may decide
(``may_decide``: never on one's own, adopted and rejected final), and assessment checks every
decision."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from contracts.labels import INITIATIVE_STATUS_LABELS
from contracts.roles import PERSON_ROLES, Role
from services.web.domain.sessions import WebSession
from services.web.entrypoints.deps import page, read_as, require, web_of
from services.web.entrypoints.forms import Refused, form_state, send
from services.web.entrypoints.programme import unit_names
from services.web.views import leaders as models

router = APIRouter(include_in_schema=False)

PEOPLE = {role.value for role in PERSON_ROLES}
#: The decisions the council may take (adopted and rejected are final: assessment says which
#: initiatives one may still decide on, ``may_decide``).
DECISIONS = ("accepted", "piloting", "adopted", "rejected")


async def _initiatives_page(request: Request, refused: Refused | None = None) -> HTMLResponse:
    session = await require(request, PEOPLE)
    lang = web_of(request).cookies.lang(request)
    listed = await read_as(request, session, "assessment", "/v1/initiatives")
    names = await unit_names(request, session)
    shown = [
        {
            **i,
            "unit": names.get(i["unit_id"], i["unit_id"]),
            "state": INITIATIVE_STATUS_LABELS[i["status"]].pick(lang),
            "proposer": i["proposer_name"] or i["proposed_by"],
            "month": models.label_of(i["period"], lang),
        }
        for i in listed["initiatives"]
    ]
    return page(
        request,
        "initiatives.html",
        session,
        initiatives=shown,
        decisions=[(d, INITIATIVE_STATUS_LABELS[d].pick(lang)) for d in DECISIONS],
        is_head=session.role == Role.UNIT_HEAD.value,
        **form_state(request, refused),
    )


@router.get("/initiatives")
async def initiatives_page(request: Request) -> HTMLResponse:
    return await _initiatives_page(request)


def _proposal(_: WebSession, form: Any) -> dict[str, Any]:
    return {
        "title": str(form.get("title") or ""),
        "problem": str(form.get("problem") or ""),
        "proposal": str(form.get("proposal") or ""),
        "expected_effect": str(form.get("expected_effect") or ""),
        "by_unit": form.get("by_unit") == "1",
    }


def _decision(_: WebSession, form: Any) -> dict[str, Any]:
    return {
        "status": str(form.get("status") or ""),
        "reason": str(form.get("reason") or "") or None,
        "measured_effect": str(form.get("measured_effect") or "") or None,
    }


@router.post("/initiatives")
async def propose(request: Request) -> Response:
    back = "/initiatives?done=proposed"
    return await send(request, PEOPLE, "/v1/initiatives", _proposal, back, _initiatives_page)


@router.post("/initiatives/{initiative_id}/decide")
async def decide(request: Request, initiative_id: uuid.UUID) -> Response:
    path = f"/v1/initiatives/{initiative_id}/decide"
    back = "/initiatives?done=decided"
    return await send(request, PEOPLE, path, _decision, back, _initiatives_page)
