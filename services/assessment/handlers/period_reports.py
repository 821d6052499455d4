"""The period report e-mailed to the ward committee once a period is finalized.

"Finalized" is scoring's word: a month's figures are final once scoring has folded the month's
close (``assessment.period.closed``) and every fact before it, which is when it announces
``scoring.score.finalized`` and answers ``provisional: false``. Assessment's close alone is too
early (scoring may still be behind on the stream), so this waits for scoring's answer: each pass
(``jobs.py``) takes the closed months of the last two (``Reporting.lookback_months``), and their
quarter and year once every month of them is closed, and for each period not issued yet asks
scoring for the report's figures as the ward's chairman reads them (the whole ward); once every
unit's are final it renders the PDF and the workbook and, in one unit of work, records the
period as issued (one row per ward and period, so only one instance, once, across restarts) and
emits ``assessment.report.issued`` with both files. Notifications mails them to the committee
(``handlers/report_mail.py`` there).

A month reopened and closed again after its report went out is not mailed again: the report on
demand (``GET /v1/reports``) gives its corrected figures.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from contracts.envelope import SYSTEM
from contracts.events import PeriodReportIssued, PeriodReportIssuedData, ReportFile
from contracts.periods import Month
from contracts.roles import Role
from services.assessment.adapters import org, period_reports
from services.assessment.adapters.scoring_figures import ScoringFigures, ScoringUnavailable
from services.assessment.domain.period_reports import due_periods, months_needed
from services.assessment.handlers.common import local_date
from services.assessment.views.report import Report, period_report, report_file_name, report_sheet
from services.assessment.views.report_pdf import report_pdf
from services.runtime.auth import Principal
from services.runtime.exports import to_xlsx
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Reporting:
    """What issuing reports needs: scoring's API, and how many months before the current one a
    closed month still gets its report mailed (a first start on a ward's long history, or an
    old month closed again, mails nothing about old periods)."""

    scoring: ScoringFigures
    lookback_months: int = 2


def committee_reader(ward: str) -> Principal:
    """Whom scoring's figures are read as for the committee's report: the ward's chairman's
    view, every unit (a token of its own, minted for this read and never kept)."""
    return Principal(subject_id="system", ward=ward, role=Role.CHAIRMAN)


async def issue_due_reports(units: Callable[[], UnitOfWork], reporting: Reporting) -> list[str]:
    """Issue the report of every period due whose figures scoring gives as final; the
    ``ward/period`` keys issued by this call. A period whose figures are not final yet, or
    while scoring does not answer, waits for the next pass."""
    async with units() as uow:
        due = await _due(uow, reporting.lookback_months)
    issued = []
    for ward, period in due:
        async with units() as uow:
            today = local_date(uow.now)
            try:
                report = await period_report(
                    uow.session, committee_reader(ward), reporting.scoring, period, today
                )
            except ScoringUnavailable as error:
                log.debug("report of %s waits for scoring (%s)", period, error)
                continue
        if not report.final:
            continue
        files = await asyncio.to_thread(_files, report)
        async with units() as uow:
            if await period_reports.record_issued(uow.session, ward, period, uow.now):
                data = PeriodReportIssuedData(period=period, title=report.title, files=files)
                uow.emit(PeriodReportIssued(**uow.envelope(ward, SYSTEM), data=data))
                issued.append(f"{ward}/{period}")
    return issued


async def _due(uow: UnitOfWork, lookback_months: int) -> list[tuple[str, str]]:
    """The (ward, period) pairs complete with the closed months of the last ``lookback_months``
    and not reported yet."""
    due, first = [], Month.of(uow.now).shift(-lookback_months).key
    for ward in await org.ward_ids(uow.session):
        recent = await period_reports.closed_from(uow.session, ward, first)
        if not recent:
            continue
        closed = await period_reports.closed_among(uow.session, ward, months_needed(recent))
        periods = due_periods(recent, closed | set(recent))
        done = await period_reports.issued_among(uow.session, ward, periods)
        due += [(ward, period) for period in periods if period not in done]
    return due


def _files(report: Report) -> tuple[ReportFile, ...]:
    """The report as the committee reads it: the printable PDF and the workbook, in
    Vietnamese."""
    name = report_file_name(report.period)
    return (
        ReportFile(name=f"{name}.pdf", media_type="application/pdf", content=report_pdf(report)),
        ReportFile(name=f"{name}.xlsx", media_type=XLSX, content=to_xlsx(report_sheet(report))),
    )
