"""The city view: a city's official (role ``city``, a token the deployment's operator mints
with ``python -m services.assessment city-token``, for scoring only) pastes it once on
``/city/sign-in`` (kept, like a kiosk's, only if scoring accepts it now, in the sealed session
cookie) and sees the wards of their city side by side for a period: 5S total and its change,
satisfaction, units audited, provisional or final, and the people per band in the decree's
words (scoring's ``GET /v1/wards/rankings``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from contracts.events import ClassificationStatus
from contracts.labels import BAND_LABELS, STATUS_LABELS
from contracts.roles import Role
from services.web.domain.sessions import WebSession
from services.web.entrypoints.deps import page, require, web_of
from services.web.entrypoints.devices import answered, keep_pasted
from services.web.views import board as models

router = APIRouter(include_in_schema=False)

PERIOD = r"^(\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?|last3m|last12m)$"


@router.get("/city/sign-in")
async def city_sign_in_page(request: Request) -> HTMLResponse:
    return page(request, "city_sign_in.html", refused=False)


@router.post("/city/sign-in")
async def city_sign_in(
    request: Request,
    csrf: Annotated[str, Form(max_length=200)],
    credential: Annotated[str, Form(max_length=8000)],
) -> Response:
    """Keep a city official's token in this browser's session: only a token of the role
    ``city`` (never a ward's person's or a device's), and only one scoring accepts now."""
    period = models.board_periods(web_of(request).clock.now())[0]

    async def accepted(official: WebSession) -> bool:
        return official.role == Role.CITY.value and await answered(
            request, official, "scoring", "/v1/wards/rankings", period=period
        )

    return await keep_pasted(request, csrf, credential, "city_sign_in.html", accepted, "/city")


@router.get("/city")
async def city_page(
    request: Request, period: Annotated[str | None, Query(pattern=PERIOD)] = None
) -> HTMLResponse:
    session = await require(request, {Role.CITY.value})
    web, lang = web_of(request), web_of(request).cookies.lang(request)
    periods = models.board_periods(web.clock.now())
    period = period or periods[0]
    wards = await web.upstream.read(
        "scoring", "/v1/wards/rankings", session.access, lang, period=period
    )
    bands = [(band, label.pick(lang)) for band, label in BAND_LABELS.items()]
    waiting: tuple[ClassificationStatus, ...] = ("pending_decision", "not_classified")
    states = [(state, STATUS_LABELS[state].pick(lang)) for state in waiting]
    return page(
        request,
        "city.html",
        session,
        **models.period_choice(period, periods, lang),
        wards=wards["wards"],
        columns=[*bands, *states],
        decimal=lambda value: models.decimal(value, lang),
        change_words=lambda change: models.change_words(change, lang),
    )
