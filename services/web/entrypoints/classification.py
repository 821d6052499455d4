"""The chairman's and HR's classification page: the period's table from scoring (people by
name in Vietnamese order, band in the decree's words, what is missing, the income tier), the
20 % cap per duty group, the ties waiting for the chairman with the form to decide them, and
the XLSX and CSV exports for the HR office (scoring's, through the gateway), and the period's
months' audits and corrective actions (assessment's, through the gateway)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from contracts.labels import BAND_LABELS
from contracts.roles import Role
from services.web.domain.sessions import WebSession
from services.web.entrypoints.deps import page, period_page, read_as, web_of
from services.web.entrypoints.forms import Refused, again_for_period, form_state, send
from services.web.views import board
from services.web.views import leaders as models

router = APIRouter(include_in_schema=False)

READERS = {Role.CHAIRMAN.value, Role.VICE_CHAIRMAN.value, Role.ADMIN.value, Role.UNIT_HEAD.value}
#: Who downloads the period report for the ward committee (assessment's ``GET /v1/reports``).
REPORT_READERS = {Role.CHAIRMAN.value, Role.VICE_CHAIRMAN.value, Role.ADMIN.value}
#: Scoring's periods for a classification: a month, a quarter or a year.
PERIOD = r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$"
#: A page's classification period (``?period=``), absent for the page's own choice.
PeriodQuery = Annotated[str | None, Query(pattern=PERIOD)]


async def _classification_page(
    request: Request, period: str | None, refused: Refused | None = None
) -> HTMLResponse:
    session, lang, periods, period = await period_page(
        request, READERS, models.classification_periods, period
    )
    table = await read_as(request, session, "scoring", "/v1/classification", period=period)
    rows = models.classification_rows(table, lang)
    return page(
        request,
        "classification.html",
        session,
        **board.period_choice(period, periods, lang),
        table=table,
        rows=rows,
        quotas=[{**q, "label": models.group_label(q, lang)} for q in table["quotas"]],
        ties=models.ties(table, rows, lang),
        may_decide=session.role == Role.CHAIRMAN.value,
        may_report=session.role in REPORT_READERS,
        month_files=models.month_exports(
            session.role, models.months_begun(period, web_of(request).clock.now()), lang
        ),
        percent=lambda share: models.percent(share, lang),
        bands={band: label.pick(lang) for band, label in BAND_LABELS.items()},
        **form_state(request, refused),
        export=quote(period),
    )


@router.get("/classification")
async def classification_page(request: Request, period: PeriodQuery = None) -> HTMLResponse:
    return await _classification_page(request, period)


def _decision(_: WebSession, form: Any) -> dict[str, Any]:
    return {
        "excellent": [str(v) for v in form.getlist("excellent")],
        "duty_group": str(form.get("duty_group") or "") or None,
        "note": str(form.get("note") or "") or None,
    }


@router.post("/classification/decisions")
async def decide(request: Request) -> Response:
    """The chairman's decision on a tie: who of the tied keep "xuất sắc" (``excellent``, the
    boxes ticked), the duty group and a note, sent to scoring with the form's key."""
    chairman = {Role.CHAIRMAN.value}
    path, back = "/v1/classification/{period}/decisions", "/classification?period={period}&done=1"
    again = again_for_period(_classification_page)
    return await send(request, chairman, path, _decision, back, again, service="scoring")
