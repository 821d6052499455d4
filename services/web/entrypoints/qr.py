"""The QR page: a citizen scans the code on a counter and rates that unit, with no login. The
link carries the QR device's credential sealed with the web's key (``python -m services.web
qr-link``), so it is bound to its unit and cannot be forged or read; ratings are sent as that
device, which assessment checks is an active QR link of that unit."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import SecretStr

from services.runtime.refusals import Kind, Refusal
from services.runtime.sealing import Unsealable, seal, unseal
from services.web.domain.sessions import WebSession, session_of
from services.web.entrypoints.cookies import CSRF_HEADER
from services.web.entrypoints.deps import page, web_of
from services.web.views import pages as models

router = APIRouter(include_in_schema=False)


def qr_link(key: SecretStr, device_token: str, base_url: str) -> str:
    """The page address to print as a QR code for the device whose credential is
    ``device_token`` (``ValueError`` if it is not a token)."""
    session_of(device_token, device=True)
    return f"{base_url.rstrip('/')}/qr/{seal(key, {'token': device_token})}"


def _device(request: Request, link: str) -> WebSession:
    try:
        return session_of(unseal(web_of(request).settings.session_key, link)["token"], device=True)
    except (Unsealable, KeyError, TypeError, ValueError) as error:
        raise Refusal(Kind.NOT_FOUND, "bad_link") from error


@router.get("/qr/{link}")
async def qr_page(request: Request, link: str) -> HTMLResponse:
    device = _device(request, link)
    web, lang = web_of(request), web_of(request).cookies.lang(request)
    units = await web.upstream.read("assessment", "/v1/units", device.access, lang)
    unit = next((u for u in units["units"] if u["unit_id"] == device.unit), None)
    return page(
        request,
        "kiosk.html",
        None,
        unit_id=device.unit,
        unit_name=(unit["name_en" if lang == "en" else "name_vi"] if unit else ""),
        levels=models.levels(lang),
        post_to=f"/qr/{link}/feedback",
    )


@router.post("/qr/{link}/feedback")
async def qr_feedback(request: Request, link: str) -> Response:
    """The rating as the QR device, with the page's CSRF token and idempotency key."""
    web = web_of(request)
    web.cookies.check_csrf(request, request.headers.get(CSRF_HEADER))
    device = _device(request, link)
    key = request.headers.get("idempotency-key")
    answer = await web.upstream.call(
        "assessment",
        "POST",
        "/v1/feedback",
        token=device.access,
        lang=web.cookies.lang(request),
        headers={"content-type": "application/json", **({"idempotency-key": key} if key else {})},
        content=await request.body(),
    )
    return Response(answer.body, status_code=answer.status, headers=dict(answer.headers))
