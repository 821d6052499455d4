"""Assessment's events about periods: a month closed or reopened, and the period report issued
once its figures are final."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field

from contracts.common import Contract, Text
from contracts.events.common import AssessmentEvent
from contracts.periods import MonthKey


class PeriodClosedData(Contract):
    period: MonthKey


class PeriodReopenedData(Contract):
    period: MonthKey
    reason: str
    #: The last day the month stays open (the ward's local date): it closes again by itself
    #: after it (``assessment.period.closed`` by the system). None in events recorded before.
    closes_on: date | None = None


class PeriodClosed(AssessmentEvent):
    type: Literal["assessment.period.closed"] = "assessment.period.closed"
    data: PeriodClosedData


class PeriodReopened(AssessmentEvent):
    type: Literal["assessment.period.reopened"] = "assessment.period.reopened"
    data: PeriodReopenedData


#: The files a period report is issued as (the workbook and the printable A4 PDF).
ReportMediaType = Literal[
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
]


class ReportFile(Contract):
    """One file of a period report, kept in the ``REPORTS`` object store bucket
    (``contracts.streams.REPORTS``): the event names it, the bucket holds it, so the stream
    carries facts, not files."""

    #: The file's name as the committee's mail attaches it ("bao-cao-5s-2026-10.pdf").
    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9.-]+$")]
    media_type: ReportMediaType
    #: The object in the bucket: ``<ward>/<period>/<sha256>.<pdf|xlsx>`` (named by its content,
    #: so two instances storing one file store the same object).
    object_name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_./-]+$")]
    #: Its length in bytes.
    size: Annotated[int, Field(ge=1)]
    #: Its SHA-256, lowercase hex: the reader checks the bytes it fetched against it.
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class InlineReportFile(Contract):
    """A file of a period report as version 1 of ``assessment.report.issued`` carried it: its
    bytes inside the event (base64 in JSON). Still read, so a report issued by the release
    before the REPORTS bucket is mailed once; never emitted any more."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64"
    )

    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9.-]+$")]
    media_type: ReportMediaType
    content: bytes


class PeriodReportIssuedData(Contract):
    """The period report of a month, quarter or year, made once its figures are final (scoring
    has folded the period's close), for notifications to e-mail to the ward committee. Unit
    figures only: no person is named in it. Revision 1 is the first report; a later revision
    is the corrected report of a period reopened and closed again whose figures changed
    (assessment's README, "The period report")."""

    #: ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``.
    period: str
    title: Text
    #: The files in the REPORTS bucket (version 2); inline only in a version 1 event.
    files: tuple[ReportFile | InlineReportFile, ...]
    #: 1 for the report first issued, 2 and on for each corrected one (báo cáo điều chỉnh).
    revision: Annotated[int, Field(ge=1)] = 1


class PeriodReportIssued(AssessmentEvent):
    """Version 2: the files are named in the ``REPORTS`` bucket with their size and digest.
    Version 1 carried them inline (``InlineReportFile``) and had no revision; it is still read
    (a report the previous release issued, not yet mailed when this one started)."""

    readable_versions: ClassVar[frozenset[int]] = frozenset({1, 2})
    type: Literal["assessment.report.issued"] = "assessment.report.issued"
    schema_version: int = 2
    data: PeriodReportIssuedData
