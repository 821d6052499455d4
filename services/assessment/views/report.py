"""The period report for the ward committee's meeting (báo cáo kỳ): for a month, quarter or
year, each unit's rank, 5S total and its change, pillars, citizen satisfaction, corrective
actions, periodic review, initiatives and citizen follow-ups; as an XLSX sheet (the runtime's
export mechanism) and a printable A4 PDF (``report_pdf.py``).

Scoring's figures are its API's answers, read as the committee reads them (the ward's
chairman's view, ``domain/period_reports.committee_reader``): whoever may have the report, the
job that mails it or a leader downloading it, gets the same ward's report; the rest is this
service's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import FIVE_S, Text
from contracts.figures import exact_figures
from contracts.labels import period_label
from contracts.periods import Period
from services.assessment.adapters import citizen_follow_ups, initiatives, org, reviews
from services.assessment.adapters.scoring_figures import ScoringFigures
from services.runtime.auth import Principal
from services.runtime.exports import Column, Sheet, columns


@dataclass(frozen=True)
class Report:
    period: str
    title: Text
    #: The ward's name as its org chart gives it ("Phường Bình Đông").
    ward_name: str
    #: The day the report was made, in Vietnam (Asia/Ho_Chi_Minh).
    made_on: date
    #: One mapping per unit, best rank first: the keys of :data:`COLUMNS`, the one list of
    #: columns both the workbook and the PDF's table show.
    rows: list[dict[str, Any]]
    #: Whether scoring's figures are final: every month of the period closed and folded there
    #: (a report mailed to the committee waits for it: ``handlers/period_reports.py``).
    final: bool = False


#: By their keys in the runtime's ``headings.yaml``; a pillar's percent as its code says it.
PILLAR_COLUMNS = tuple(Column(f"{p}_percent", Text(vi=f"{p} (%)", en=f"{p} (%)")) for p in FIVE_S)
COLUMNS = columns(
    "rank", "unit", "total_percent", "change", *PILLAR_COLUMNS, "satisfaction_percent", "ratings",
    "actions_opened", "actions_open", "actions_overdue", "review", "initiatives_proposed",
    "initiatives_adopted", "follow_ups_done",
)  # fmt: skip
REVIEW_STATES = {
    None: Text(vi="Chưa có", en="None"),
    False: Text(vi="Đã viết", en="Written"),
    True: Text(vi="Đã xác nhận", en="Acknowledged"),
}


async def period_report(
    session: AsyncSession, reader: Principal, scoring: ScoringFigures, period: str, today: date
) -> Report:
    """The report of ``period`` (YYYY-MM, YYYY-Qn or YYYY) of ``reader``'s ward, made on
    ``today`` (the local date in Vietnam), with scoring's figures as it answers ``reader`` (the
    committee's view: ``domain/period_reports.report_reader``). Errors: the refusals of
    ``adapters/scoring_figures.py`` (503 ``ScoringUnavailable`` when scoring does not answer;
    403, 404, 422 when it refuses the read)."""
    months = [m.key for m in Period.parse(period).months()]
    names = {
        u.unit_id: Text(vi=u.name_vi, en=u.name_en)
        for u in await org.ward_units(session, reader.ward)
    }
    ranking = await scoring.rankings(reader, period)
    written, _ = await reviews.reviews_of(session, reader.ward, None, period)
    review_of = {r.unit_id: r.acknowledged_at is not None for r in written}
    ideas = await initiatives.counts_by_unit(session, reader.ward, months)
    calls = await citizen_follow_ups.counts_by_unit(session, reader.ward, months)
    rows, final = [], True
    for unit in ranking["units"]:
        unit_id = unit["unit_id"]
        figures = await scoring.unit_figures(reader, unit_id, period) or {}
        final = final and figures.get("provisional") is False
        pillars = {p["pillar"]: p["percent"] for p in figures.get("pillars", [])}
        exact, exact_unit = exact_figures(figures), exact_figures(unit)
        exact_pillars = {p["pillar"]: p["percent"] for p in exact.get("pillars", [])}
        actions = await reviews.action_counts(session, reader.ward, unit_id, months, today)
        call = calls.get(unit_id, {"opened": 0, "done": 0})
        idea = ideas.get(unit_id, {"proposed": 0, "adopted": 0})
        rows.append(
            {
                "rank": unit.get("rank"),
                "unit": names.get(unit_id, Text(vi=unit_id, en=unit_id)),
                "total_percent": unit["total_percent"],
                "change": figures.get("change"),
                **{f"{p}_percent": pillars.get(p) for p in FIVE_S},
                "satisfaction_percent": unit["satisfaction_percent"],
                "ratings": unit["ratings"],
                "actions_opened": actions["opened"],
                "actions_open": actions["open"],
                "actions_overdue": actions["overdue"],
                "review": REVIEW_STATES[review_of.get(unit_id)],
                "initiatives_proposed": idea["proposed"],
                "initiatives_adopted": idea["adopted"],
                "follow_ups_done": f"{call['done']}/{call['opened']}",
                # The same figures exactly, for the PDF to round once (contracts.figures); the
                # workbook and the fingerprint keep scoring's two decimals above.
                "exact": {
                    "total_percent": exact_unit.get("total_percent"),
                    "change": exact.get("change"),
                    **{f"{p}_percent": exact_pillars.get(p) for p in FIVE_S},
                    "satisfaction_percent": exact_unit.get("satisfaction_percent"),
                },
            }
        )
    label = period_label(period)
    title = Text(
        vi=f"Báo cáo kết quả thực hiện mô hình 5S+ {label.vi}",
        en=f"5S+ programme report, {label.en}",
    )
    ward_name = await org.ward_name(session, reader.ward) or reader.ward
    return Report(period, title, ward_name, today, rows, final=final and bool(rows))


def report_file_name(period: str) -> str:
    """The report's file name without its extension ("bao-cao-5s-2026-10")."""
    return f"bao-cao-5s-{period}"


def report_sheet(report: Report) -> Sheet:
    """The report as one sheet of the runtime's export mechanism (XLSX or CSV)."""
    return Sheet(Text(vi="Báo cáo kỳ", en="Period report"), COLUMNS, report.rows)
