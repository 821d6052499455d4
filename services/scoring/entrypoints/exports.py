"""Scoring's exports (CSV or XLSX, ``views/exports.py``): ``GET /v1/exports/{what}.{fmt}``
with ``what`` one of ``classification`` (for HR and pay: who reads the classification API),
``units`` (the units' 5S figures) and ``satisfaction`` (the citizens' ratings per unit): who
reads the rankings); a calendar ``period`` (month, quarter or year, not after this month)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts.roles import Role
from services.runtime.exports import EXPORT_CONTENT, Separator, export_response
from services.runtime.http import Language
from services.runtime.refusals import Kind, Refusal
from services.scoring.domain import periods
from services.scoring.entrypoints.http import (
    LEADERS,
    ClassifiedPeriodParam,
    UnitsReader,
    parse_window,
    visible_to,
)
from services.scoring.views import exports

router = APIRouter(prefix="/v1", tags=["scoring"])

#: Who may export: the readers of the classification and of the rankings.
Reader = UnitsReader
CLASSIFICATION_READERS = (*LEADERS, Role.UNIT_HEAD, Role.CITY)


@router.get(
    "/exports/{what}.{fmt}",
    responses=EXPORT_CONTENT,
    response_class=Response,
    summary="The classification of a period (for HR and pay), the units' 5S figures or the "
    "citizens' satisfaction per unit, as CSV or XLSX (xuất bảng tính)",
)
async def export(
    request: Request,
    caller: Reader,
    lang: Language,
    what: Literal["classification", "units", "satisfaction"],
    fmt: Literal["csv", "xlsx"],
    period: ClassifiedPeriodParam,
    separator: Separator = ",",
) -> Response:
    """Headings in Vietnamese (English by ``Accept-Language``); people and units by name;
    the classification of the people the caller may see (as ``GET /v1/classification``),
    auditors excepted (403)."""
    span = parse_window(request, period, periods.CLASSIFICATION)
    runtime, policy = request.app.state.runtime, request.app.state.policy
    async with runtime.sessions() as session:
        if what == "classification":
            if caller.role not in CLASSIFICATION_READERS:
                raise Refusal(Kind.FORBIDDEN, "forbidden")
            sheet = await exports.classification_sheet(
                session, caller.ward, span, policy, visible_to(caller)
            )
        elif what == "units":
            sheet = await exports.units_sheet(session, caller.ward, span, policy)
        else:
            sheet = await exports.satisfaction_sheet(session, caller.ward, span, policy)
    return export_response(sheet, fmt, lang, f"{what}-{caller.ward}-{span.key}", separator)
