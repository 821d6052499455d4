"""Devices' pages. A kiosk's browser is signed in once as its device by the administrator,
who pastes the credential ``PUT /v1/org/devices/{id}`` answered (``/device/sign-in``; checked
with assessment before it is kept in the sealed session cookie).

The QR page: a citizen scans the code on a counter and rates that unit, with no login. The
link carries the QR device's credential sealed with the web's key (``python -m services.web
qr-link``), so it is bound to its unit and cannot be forged or read; ratings are sent as that
device, which assessment checks is an active QR link of that unit."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import SecretStr

from contracts.roles import Role
from services.runtime.clients import client_address
from services.runtime.refusals import Kind, Refusal
from services.runtime.sealing import Unsealable, seal, unseal
from services.runtime.settings import ServiceSettings, own_settings
from services.web.adapters.demo_people import demo_entry
from services.web.domain.sessions import WebSession, session_of
from services.web.entrypoints.cookies import CSRF_HEADER
from services.web.entrypoints.deps import call_as, page, web_of
from services.web.entrypoints.pages import rating_screen
from services.web.settings import WebSettings, web_settings

router = APIRouter(include_in_schema=False)


def qr_link(key: SecretStr, device_token: str, base_url: str) -> str:
    """The page address to print as a QR code for the device whose credential is
    ``device_token`` (``ValueError`` if it is not a token)."""
    session_of(device_token, device=True)
    return f"{base_url.rstrip('/')}/qr/{seal(key, {'token': device_token})}"


def configure_qr_link_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--token-file",
        required=True,
        help="the QR device's credential as PUT /v1/org/devices/{id} answered it ('-': stdin)",
    )
    parser.add_argument("--base-url", required=True, help="where citizens reach the web pages")


def run_qr_link_command(settings: ServiceSettings, arguments: argparse.Namespace) -> None:
    """Print the QR page's address for a QR device (to print as the code on its counter)."""
    config = own_settings(WebSettings, settings, web_settings)
    source = arguments.token_file
    token = (sys.stdin.read() if source == "-" else Path(source).read_text()).strip()
    print(qr_link(config.session_key, token, arguments.base_url))


def _device(request: Request, link: str) -> WebSession:
    try:
        return session_of(unseal(web_of(request).settings.session_key, link)["token"], device=True)
    except (Unsealable, KeyError, TypeError, ValueError) as error:
        raise Refusal(Kind.NOT_FOUND, "bad_link") from error


@dataclass(frozen=True)
class PastedSignIn:
    """A page where a credential is pasted once to sign this browser in (a kiosk's, a city
    official's): its path, the keys of its texts (title, the field's label, the refusal), the
    page the browser is sent on to, and whether the credential is a device's."""

    path: str
    title: str
    label: str
    refused: str
    target: str
    device: bool = False


#: Whether a pasted credential's session may be kept: its role, and a service's answer now.
Accepted = Callable[[Request, WebSession], Awaitable[bool]]


def add_pasted_sign_in(router: APIRouter, form: PastedSignIn, accepted: Accepted) -> None:
    """``form``'s two routes on ``router``: GET shows it (``pasted_sign_in.html``), POST keeps
    the pasted credential in this browser's sealed session when it is a token and ``accepted``
    takes it, and sends the browser on to ``form.target``; else the form again, 422, saying
    it was refused."""

    async def form_page(request: Request) -> HTMLResponse:
        return page(request, "pasted_sign_in.html", form=form, refused=False)

    async def sign_in(
        request: Request,
        csrf: Annotated[str, Form(max_length=200)],
        credential: Annotated[str, Form(max_length=8000)],
    ) -> Response:
        web = web_of(request)
        web.cookies.check_csrf(request, csrf)
        try:
            session = session_of(credential.strip(), device=form.device)
        except ValueError:
            session = None
        if session is None or not await accepted(request, session):
            return page(request, "pasted_sign_in.html", status=422, form=form, refused=True)
        response = RedirectResponse(form.target, status_code=303)
        web.cookies.keep_session(response, request, session)
        return response

    router.add_api_route(form.path, form_page, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(form.path, sign_in, methods=["POST"])


async def _a_kiosk(request: Request, device: WebSession) -> bool:
    """A kiosk's credential (never a person's token) that assessment accepts now (a read any
    device may make)."""
    return device.role == Role.KIOSK.value and await answered(
        request, device, "assessment", "/v1/units"
    )


add_pasted_sign_in(
    router,
    PastedSignIn(
        "/device/sign-in", "device_sign_in", "device_credential", "device_refused", "/kiosk", True
    ),
    _a_kiosk,
)


async def answered(
    request: Request, session: WebSession, service: str, path: str, **params: str
) -> bool:
    """Whether ``service`` answers a read of ``path`` with ``session``'s token now (200)."""
    answer = await call_as(request, session, service, "GET", path, params=params)
    return answer.status == 200


@router.get("/demo/qr/{device_id}")
async def demo_qr(request: Request, device_id: str) -> Response:
    """Demo stacks only (404 elsewhere): the QR page of a demo QR device."""
    settings = web_of(request).settings
    entry = demo_entry(settings.demo_tokens, device_id) if settings.demo_tokens else None
    if not settings.demo_mode or entry is None or not entry.get("device_id"):
        raise Refusal(Kind.NOT_FOUND, "not_found")
    link = qr_link(settings.session_key, entry["token"], "")
    return RedirectResponse(link, status_code=303)


@router.get("/qr/{link}")
async def qr_page(request: Request, link: str) -> HTMLResponse:
    return await rating_screen(request, _device(request, link), f"/qr/{link}/feedback", None)


@router.post("/qr/{link}/feedback")
async def qr_feedback(request: Request, link: str) -> Response:
    """The rating as the QR device, with the page's CSRF token and idempotency key."""
    web = web_of(request)
    web.cookies.check_csrf(request, request.headers.get(CSRF_HEADER))
    device = _device(request, link)
    key = request.headers.get("idempotency-key")
    answer = await call_as(
        request,
        device,
        "assessment",
        "POST",
        "/v1/feedback",
        headers={"content-type": "application/json", **({"idempotency-key": key} if key else {})},
        content=await request.body(),
        client=client_address(),
    )
    return Response(answer.body, status_code=answer.status, headers=dict(answer.headers))
