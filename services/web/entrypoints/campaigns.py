"""Campaigns (e.g. "Ngày xanh lần thứ I"): an administrator publishes a dated campaign with its
own short checklist (catalogue items by code, or items written for it); an auditor audits a
unit against it within its dates; everyone of the ward sees the results per unit and
ward-wide, apart from the monthly 5S figures."""

from __future__ import annotations

import uuid
from fractions import Fraction
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from contracts.common import LOCAL_TZ
from contracts.figures import written
from contracts.roles import PERSON_ROLES, Role
from services.runtime.clock import wall
from services.web.domain.sessions import WebSession
from services.web.entrypoints.deps import page, read_as, require, ward_today, web_of
from services.web.entrypoints.forms import Refused, form_state, send
from services.web.views import pages as part1

router = APIRouter(include_in_schema=False)

PEOPLE = {role.value for role in PERSON_ROLES}
#: Items written for a campaign that the form offers besides the catalogue's codes.
OWN_ITEMS = 3
#: A refusal of the checklist (``items``, ``items[2].code``) is shown beside its codes.
CHECKLIST = {"items": "codes"}


async def _campaigns_page(request: Request, refused: Refused | None = None) -> HTMLResponse:
    session = await require(request, PEOPLE)
    lang = web_of(request).cookies.lang(request)
    listed = await read_as(request, session, "assessment", "/v1/campaigns")
    units = (await read_as(request, session, "assessment", "/v1/units"))["units"]
    names = part1.unit_names(units, lang)
    today = ward_today(request).isoformat()
    campaigns = [
        {
            **c,
            "units": [{**u, "unit": names.get(u["unit_id"], u["unit_id"])} for u in c["units"]],
            "open": c["starts_on"] <= today <= c["ends_on"],
        }
        for c in listed["campaigns"]
    ]
    return page(
        request,
        "campaigns.html",
        session,
        campaigns=campaigns,
        may_publish=session.role == Role.ADMIN.value,
        may_audit=session.role == Role.AUDITOR.value,
        to_audit=part1.units_to_audit(units, session.unit, lang),
        scores=part1.SCORES,
        own_items=range(OWN_ITEMS),
        # The result exactly (its numerator and denominator), rounded once as every figure.
        percent=lambda r: (
            "—"
            if r is None
            else f"{written(Fraction(100 * r['numerator'], r['denominator']), lang)} %"
        ),
        **form_state(request, refused),
    )


@router.get("/campaigns")
async def campaigns_page(request: Request) -> HTMLResponse:
    return await _campaigns_page(request)


def _campaign(_: WebSession, form: Any) -> dict[str, Any]:
    codes = [c.strip() for c in str(form.get("codes") or "").split(",") if c.strip()]
    written = [str(form.get(f"own-{i}") or "").strip() for i in range(OWN_ITEMS)]
    return {
        "title": str(form.get("title") or ""),
        "starts_on": str(form.get("starts_on") or ""),
        "ends_on": str(form.get("ends_on") or ""),
        "items": [{"code": c} for c in codes] + [{"text": t} for t in written if t],
    }


def _audit(_: WebSession, form: Any) -> dict[str, Any]:
    return {
        "unit_id": str(form.get("unit_id") or ""),
        "performed_at": wall().astimezone(LOCAL_TZ).isoformat(),
        "items": part1.plus_items(form),
        "note": str(form.get("note") or "") or None,
    }


@router.post("/campaigns")
async def publish(request: Request) -> Response:
    admins = {Role.ADMIN.value}
    back = "/campaigns?done=published"
    return await send(
        request, admins, "/v1/campaigns", _campaign, back, _campaigns_page, fields=CHECKLIST
    )


@router.post("/campaigns/{campaign_id}/audits")
async def audit(request: Request, campaign_id: uuid.UUID) -> Response:
    auditors = {Role.AUDITOR.value}
    path = f"/v1/campaigns/{campaign_id}/audits"
    return await send(request, auditors, path, _audit, "/campaigns?done=audited", _campaigns_page)
