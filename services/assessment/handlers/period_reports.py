"""The period report e-mailed to the ward committee once a period is finalized, and again,
marked as corrected, when a month of it is closed again with different figures.

"Finalized" is scoring's word: a month's figures are final once scoring has folded the month's
close (``assessment.period.closed``) and every fact before it, which is when it announces
``scoring.score.finalized`` and answers ``provisional: false``. Assessment's close alone is too
early (scoring may still be behind on the stream), so this waits for scoring's answer: each pass
(``jobs.py``) takes the closed months of the last two (``Reporting.lookback_months``), and their
quarter and year once every month of them is closed, and for each period not issued yet asks
scoring for the report's figures as the ward's chairman reads them (the whole ward); once every
unit's are final it renders the PDF and the workbook, keeps them in the ``REPORTS`` bucket
(named by their digest) and, in one unit of work, records the period as issued (one row per
ward and period, so only one instance, once, across restarts) and emits
``assessment.report.issued`` naming the files with their size and SHA-256. Notifications mails
them to the committee (``handlers/report_mail.py`` there).

A month reopened and closed again after its report went out: each report of it (the month, its
quarter and year) is weighed again once scoring's figures are final, and issued again as the
next revision, "báo cáo điều chỉnh", only when its official figures differ from those mailed
(``domain/period_reports.correction``); unchanged, nothing goes out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from contracts.envelope import SYSTEM
from contracts.events import (
    PeriodReportIssued,
    PeriodReportIssuedData,
    ReportFile,
    ReportMediaType,
)
from contracts.periods import Month
from services.assessment.adapters import org, period_reports
from services.assessment.adapters.scoring_figures import ScoringFigures, ScoringUnavailable
from services.assessment.domain.period_reports import (
    committee_reader,
    correction,
    due_periods,
    fingerprint,
    months_needed,
)
from services.assessment.handlers.common import local_date
from services.assessment.views.report import Report, period_report, report_file_name, report_sheet
from services.assessment.views.report_pdf import report_pdf
from services.runtime.exports import to_xlsx
from services.runtime.objects import Bucket, StoreUnavailable, sha256
from services.runtime.refusals import Refusal
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)

XLSX: ReportMediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Reporting:
    """What issuing reports needs: scoring's API, the bucket, how many months before the
    current one a closed month still gets its first report mailed (a first start on a ward's
    long history mails nothing about old periods), and how long a close is weighed."""

    scoring: ScoringFigures
    #: Where the reports' files are kept (``contracts.streams.REPORTS``).
    bucket: Bucket
    lookback_months: int = 2
    #: How long after a month is closed again an unchanged report is still weighed again at
    #: each pass (scoring may not have folded the reopen and the close yet): ten minutes.
    settle: timedelta = timedelta(minutes=10)


async def issue_due_reports(units: Callable[[], UnitOfWork], reporting: Reporting) -> list[str]:
    """Issue the report of every period due, and the corrected report of every period closed
    again whose figures changed, once scoring gives the figures as final; the
    ``ward/period#revision`` keys issued by this call. A period whose figures are not final yet,
    or while scoring or the bucket does not answer, waits for the next pass."""
    async with units() as uow:
        due = await _due(uow, reporting.lookback_months)
        again = await period_reports.closed_again(uow.session)
    issued = []
    for ward, period in due:
        report = await _final_report(units, reporting, ward, period)
        files = None if report is None else await _store(reporting, ward, report)
        if report is None or files is None:
            continue
        mark = fingerprint(report.rows)
        async with units() as uow:
            if await period_reports.record_issued(uow.session, ward, period, uow.now, mark):
                _emit(uow, ward, report, files, 1)
                issued.append(f"{ward}/{period}#1")
    for closed in again:
        report = await _final_report(units, reporting, closed.ward, closed.period)
        if report is None:
            continue
        mark = fingerprint(report.rows)
        async with units() as uow:
            decided = correction(
                closed.fingerprint, mark, closed.last_close, uow.now, reporting.settle
            )
            if decided.settled and not decided.issue:
                await period_reports.record_checked(uow.session, closed, uow.now)
        kept = await _store(reporting, closed.ward, report) if decided.issue else None
        if kept is None:
            continue
        async with units() as uow:
            if await period_reports.record_corrected(uow.session, closed, mark, uow.now):
                _emit(uow, closed.ward, report, kept, closed.revision + 1)
                issued.append(f"{closed.ward}/{closed.period}#{closed.revision + 1}")
    return issued


async def _final_report(
    units: Callable[[], UnitOfWork], reporting: Reporting, ward: str, period: str
) -> Report | None:
    """The report of ``period`` as the committee reads it, if scoring gives every unit's
    figures as final; None while it does not, does not answer, or refuses the read (a refusal
    is no reason to stop the other wards' reports; it is logged as the fault it is)."""
    async with units() as uow:
        today = local_date(uow.now)
        try:
            report = await period_report(
                uow.session, committee_reader(ward), reporting.scoring, period, today
            )
        except ScoringUnavailable as error:
            log.debug("report of %s waits for scoring (%s)", period, error)
            return None
        except Refusal as refused:
            log.warning("scoring refuses the report of %s (%s)", period, refused.code)
            return None
    return report if report.final else None


def _emit(
    uow: UnitOfWork, ward: str, report: Report, files: tuple[ReportFile, ...], revision: int
) -> None:
    data = PeriodReportIssuedData(
        period=report.period, title=report.title, files=files, revision=revision
    )
    uow.emit(PeriodReportIssued(**uow.envelope(ward, SYSTEM), data=data))


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


async def _store(reporting: Reporting, ward: str, report: Report) -> tuple[ReportFile, ...] | None:
    """Render the report as the committee reads it (the printable PDF and the workbook, in
    Vietnamese) and keep both in the bucket, each named by its digest (two instances storing
    the same file store one object); what the event says of them. None while the bucket does
    not answer (the next pass tries again)."""
    rendered = await asyncio.to_thread(_render, report)
    name, kept = report_file_name(report.period), []
    for extension, media_type, content in rendered:
        digest = sha256(content)
        key = f"{ward}/{report.period}/{digest}.{extension}"
        try:
            await reporting.bucket.put(key, content)
        except StoreUnavailable:
            return None
        kept.append(
            ReportFile(
                name=f"{name}.{extension}",
                media_type=media_type,
                object_name=key,
                size=len(content),
                sha256=digest,
            )
        )
    return tuple(kept)


def _render(report: Report) -> list[tuple[str, ReportMediaType, bytes]]:
    return [
        ("pdf", "application/pdf", report_pdf(report)),
        ("xlsx", XLSX, to_xlsx(report_sheet(report))),
    ]
