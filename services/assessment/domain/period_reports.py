"""Which periods a report is due for once months close (pure): each month closed, and its
quarter and year once every month of them is closed, as scoring finalizes them; when a report
whose months were closed again is corrected; and who may have the report and as whom its
figures are read."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from contracts.common import FIVE_S
from contracts.periods import Month, Period
from contracts.roles import Role
from services.runtime.auth import Principal
from services.runtime.refusals import Kind, Refusal

#: Whose seat may download the period report: the committee it is mailed to (the chairman and
#: the vice-chairmen; notifications' ``rules.committee``) and the ward's administrators who run
#: the programme. It is the ward's report, the same for all of them.
REPORT_READERS = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.ADMIN})


def committee_reader(ward: str) -> Principal:
    """Whom scoring's figures are read as for the committee's report: the ward's chairman's
    view, every unit (subject ``system``; a token of its own, minted for the read, never
    kept: docs/SECURITY.md)."""
    return Principal(subject_id="system", ward=ward, role=Role.CHAIRMAN)


def report_reader(seat: Principal) -> Principal:
    """Whom the report is read as for a person of ``seat`` (their seat in the org chart now, not
    their token's claims) who asks for it: the committee's view of their ward
    (:func:`committee_reader`), since the report they download is the one the committee is
    mailed, whatever units are in their own charge. Errors: 403 ``not_report_reader`` for a
    seat outside :data:`REPORT_READERS`."""
    if seat.role not in REPORT_READERS:
        raise Refusal(Kind.FORBIDDEN, "not_report_reader")
    return committee_reader(seat.ward)


def wider_periods(month: Month) -> tuple[Period, Period]:
    """The quarter and the year ``month`` belongs to."""
    return Period("quarter", month.year, month.quarter), Period("year", month.year, 1)


def due_periods(recent: Iterable[str], closed: set[str]) -> list[str]:
    """The periods complete with the ``recent`` months closed (YYYY-MM): each of them, and its
    quarter and year when all their months are in ``closed`` (which holds ``recent``); each
    once: the months, then the quarters, then the years, each in order."""
    months = sorted(recent)
    wider = {
        w.key: None
        for key in months
        for w in wider_periods(Month.parse(key))
        if {m.key for m in w.months()} <= closed
    }
    return months + sorted(wider, key=lambda k: (-len(k), k))  # quarters, then years


def months_needed(recent: Iterable[str]) -> set[str]:
    """Every month of the quarters and years of the ``recent`` months: the closes to look up."""
    return {
        m.key for key in recent for wider in wider_periods(Month.parse(key)) for m in wider.months()
    }


#: The report's columns a period's close makes final, which a corrected report is judged by:
#: scoring's figures (rank, 5S total and its change, pillars, satisfaction and its ratings) by
#: unit. The programme's columns (actions overdue as of today, reviews acknowledged later,
#: initiatives decided later) move with time whether or not a month is reopened, and alone
#: never make a corrected report.
OFFICIAL = (
    "rank",
    "total_percent",
    "change",
    *(f"{p}_percent" for p in FIVE_S),
    "satisfaction_percent",
    "ratings",
)


def fingerprint(rows: Iterable[Mapping[str, Any]]) -> str:
    """The SHA-256 (hex) of the report's official figures: each row's ``unit`` (its Vietnamese
    name, or the ``unit_id`` given) and :data:`OFFICIAL` values, in the report's order. Two
    reports with equal figures have equal fingerprints, whenever they were made."""
    shown = [
        [str(getattr(row["unit"], "vi", row["unit"])), *(row.get(k) for k in OFFICIAL)]
        for row in rows
    ]
    return hashlib.sha256(json.dumps(shown, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class Correction:
    """What the report job does about an issued report whose months were closed again after it
    was last checked: ``issue`` a corrected report (its figures differ from those mailed), and
    ``settled`` whether to stop weighing this close (record it as checked)."""

    issue: bool
    settled: bool


def correction(
    mailed: str | None, now_final: str, last_close: datetime, now: datetime, settle: timedelta
) -> Correction:
    """Whether a report closed again is corrected (assessment's README, "The period report").
    ``mailed``: the fingerprint of the revision last issued (None if unknown: a report issued
    before fingerprints were kept counts as differing); ``now_final``: that of scoring's final
    figures now. Different: a corrected report is issued, settled. Equal: none, but settled only
    once ``settle`` has passed since the ``last_close`` of the period's months, because scoring
    may not have folded the reopen and the close yet and still answer the old final figures."""
    if mailed != now_final:
        return Correction(issue=True, settled=True)
    return Correction(issue=False, settled=now - last_close >= settle)
