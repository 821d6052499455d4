"""How a person is told (cách nhận thông báo): their own channels as notifications keeps them
(``GET/PUT /v1/preferences/me``): e-mail on or off, a webhook address, the daily digest. The
page shows the choices and changes them; a webhook's signing secret, which notifications
answers when its address is saved, is shown in the answer to that saving alone (the page opened
again does not show it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from contracts.roles import PERSON_ROLES
from services.web.adapters.upstream import Answer
from services.web.domain.sessions import WebSession
from services.web.entrypoints.deps import page, read_as, require
from services.web.entrypoints.forms import Refused, form_state, send

router = APIRouter(include_in_schema=False)

#: Every person of a ward's chart chooses their own channels (not a device, not a city).
PEOPLE = {role.value for role in PERSON_ROLES}
ADDRESS = "/preferences"
MINE = "/v1/preferences/me"


async def _preferences_page(
    request: Request, refused: Refused | None = None, secret: str | None = None
) -> HTMLResponse:
    session = await require(request, PEOPLE)
    current = await read_as(request, session, "notifications", MINE)
    state = form_state(request, refused)
    if secret is not None:  # drawn in answer to the saving: opened again, the page itself
        state.update(done="saved", address=ADDRESS)
    return page(request, "preferences.html", session, current=current, secret=secret, **state)


@router.get(ADDRESS)
async def preferences_page(request: Request) -> HTMLResponse:
    return await _preferences_page(request)


def _channels(_: WebSession, form: Any) -> dict[str, Any]:
    """The form's choices as notifications takes them: a box not ticked is not sent at all, an
    empty address is no webhook."""
    webhook = str(form.get("webhook_url") or "").strip()
    return {
        "email": form.get("email") == "1",
        "webhook_url": webhook or None,
        "digest": form.get("digest") == "1",
    }


async def _with_secret(request: Request, answer: Answer) -> HTMLResponse | None:
    """The page with the webhook's signing secret, where one was saved; else the redirect."""
    secret = answer.json().get("webhook_secret")
    return await _preferences_page(request, secret=str(secret)) if secret else None


@router.post(ADDRESS)
async def save_preferences(request: Request) -> Response:
    """The caller's own channels, put as they are chosen (a box not ticked: off)."""
    return await send(
        request,
        PEOPLE,
        MINE,
        _channels,
        f"{ADDRESS}?done=saved",
        _preferences_page,
        service="notifications",
        method="PUT",
        shown=_with_secret,
    )
