"""The city view: a city's official (role ``city``, a token the deployment's operator mints
with ``python -m services.assessment city-token``, for scoring only) pastes it once on
``/city/sign-in`` (kept, like a kiosk's, only if scoring accepts it now, in the sealed session
cookie) and sees the wards of their city side by side for a period: 5S total and its change,
satisfaction, units audited, provisional or final, and the people per band in the decree's
words (scoring's ``GET /v1/wards/rankings``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from contracts.events import ClassificationStatus
from contracts.labels import BAND_LABELS, STATUS_LABELS
from contracts.roles import Role
from services.web.domain.sessions import WebSession
from services.web.entrypoints.deps import page, period_page, read_as, web_of
from services.web.entrypoints.devices import PastedSignIn, add_pasted_sign_in, answered
from services.web.views import board as models

router = APIRouter(include_in_schema=False)

PERIOD = r"^(\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?|last3m|last12m)$"


async def _a_city_official(request: Request, official: WebSession) -> bool:
    """A city official's token (never a ward's person's or a device's) that scoring accepts
    now."""
    period = models.board_periods(web_of(request).clock.now())[0]
    return official.role == Role.CITY.value and await answered(
        request, official, "scoring", "/v1/wards/rankings", period=period
    )


add_pasted_sign_in(
    router,
    PastedSignIn("/city/sign-in", "city_sign_in", "city_credential", "city_refused", "/city"),
    _a_city_official,
)


@router.get("/city")
async def city_page(
    request: Request, period: Annotated[str | None, Query(pattern=PERIOD)] = None
) -> HTMLResponse:
    session, lang, periods, period = await period_page(
        request, {Role.CITY.value}, models.board_periods, period
    )
    wards = await read_as(request, session, "scoring", "/v1/wards/rankings", period=period)
    bands = [(band, label.pick(lang)) for band, label in BAND_LABELS.items()]
    waiting: tuple[ClassificationStatus, ...] = ("pending_decision", "not_classified")
    states = [(state, STATUS_LABELS[state].pick(lang)) for state in waiting]
    return page(
        request,
        "city.html",
        session,
        **models.period_choice(period, periods, lang),
        # A ward by its name, by its code where the city's chart names none.
        wards=[{**w, "name": w.get("ward_name") or w["ward"]} for w in wards["wards"]],
        columns=[*bands, *states],
        change_words=lambda change: models.change_words(change, lang),
    )
