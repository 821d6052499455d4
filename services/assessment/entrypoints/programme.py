"""The routes of the rest of the 5S+ programme: periodic reviews (họp đánh giá, rút kinh
nghiệm) and their follow-ups, the initiatives register (sổ sáng kiến), citizen follow-up,
campaigns. Submissions go through the command table like every other."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import intake as schemas
from contracts import periods
from contracts.common import LOCAL_TZ, EntityId
from contracts.roles import Role
from services.assessment.adapters.scoring_figures import ScoringUnavailable
from services.assessment.domain.period_reports import REPORT_READERS, report_reader
from services.assessment.entrypoints.deps import Sessions, command_route, submissions_of
from services.assessment.handlers.seats import current_principal
from services.assessment.views.campaigns import campaign_list
from services.assessment.views.citizen_follow_ups import follow_up_counts, follow_up_list
from services.assessment.views.initiatives import initiative_counts, initiative_list
from services.assessment.views.people import unit_people
from services.assessment.views.report import period_report, report_file_name, report_sheet
from services.assessment.views.report_pdf import report_pdf
from services.assessment.views.reviews import review_list
from services.runtime.auth import Principal
from services.runtime.exports import export_response
from services.runtime.http import Caller, Language, Reads, error_responses, require
from services.runtime.refusals import Kind, Refusal

router = APIRouter(prefix="/v1", tags=["assessment"])

#: Who reads the board's per-unit counts: the ward's leaders, auditors and unit heads.
Board = Annotated[
    Principal,
    Depends(require(Role.ADMIN, Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.AUDITOR, Role.UNIT_HEAD)),
]
#: A period of months: ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``.
Period = Annotated[schemas.PeriodKey, Query(description="YYYY-MM, YYYY-Qn or YYYY")]
#: The same, optional (every period when absent).
AnyPeriod = Annotated[schemas.PeriodKey | None, Query(description="YYYY-MM, YYYY-Qn or YYYY")]


#: A month a counts read starts or ends its range with (``YYYY-MM``).
RangeMonth = Annotated[periods.MonthKey | None, Query(description="YYYY-MM, with the other end")]
#: The longest range of months one counts read takes: the board's longest window is 12.
MAX_COUNTED_MONTHS = 36


def counted_months(
    period: str | None, first: str | None, last: str | None
) -> tuple[list[str], dict[str, str]]:
    """The months a counts read covers, and how its answer names them: ``period`` (a month,
    quarter or year), or ``from`` and ``to`` (months, both included: a rolling window as the
    board shows it, in one read), never both. Errors (422): ``required`` for neither or one
    end alone, ``not_allowed`` for both, ``out_of_range`` for ``to`` before ``from`` or more
    than :data:`MAX_COUNTED_MONTHS` months."""
    if period is not None:
        if first is not None or last is not None:
            raise Refusal(Kind.INVALID, "not_allowed", "from" if first is not None else "to")
        return [m.key for m in periods.Period.parse(period).months()], {"period": period}
    if first is None and last is None:
        raise Refusal(Kind.INVALID, "required", "period")
    if first is None or last is None:
        raise Refusal(Kind.INVALID, "required", "from" if first is None else "to")
    start, end = periods.Month.parse(first), periods.Month.parse(last)
    if end < start or start.shift(MAX_COUNTED_MONTHS - 1) < end:  # judged before listing
        raise Refusal(Kind.INVALID, "out_of_range", "to")
    return [m.key for m in periods.months_between(start, end)], {"from": first, "to": last}


def board_counts(
    path: str,
    name: str,
    view: Callable[[AsyncSession, str, list[str]], Awaitable[list[dict[str, Any]]]],
    summary: str,
) -> None:
    """Declare a read of per-unit counts for the board (``GET path?period=`` or
    ``?from=&to=``, for :data:`Board`): ``{period | from, to, units}``, the units as
    ``view(session, ward, months)`` answers them (:func:`counted_months`)."""

    async def counts(
        caller: Board,
        session: Reads,
        period: AnyPeriod = None,
        first: Annotated[RangeMonth, Query(alias="from")] = None,
        last: Annotated[RangeMonth, Query(alias="to")] = None,
    ) -> dict[str, Any]:
        months, named = counted_months(period, first, last)
        return {**named, "units": await view(session, caller.ward, months)}

    router.add_api_route(
        path,
        counts,
        methods=["GET"],
        name=name,
        summary=summary,
    )


command_route(
    router,
    "POST",
    "/reviews",
    "write_review",
    schemas.PeriodReviewIn,
    status_code=201,
    summary="A unit's review of a month, quarter or year (họp đánh giá, rút kinh nghiệm)",
    doc="The head of the unit, once per unit and period; the period's figures are attached "
    "as they\nstand, and each follow-up is due like a corrective action.",
)
command_route(
    router,
    "POST",
    "/reviews/{review_id}/acknowledge",
    "acknowledge_review",
    schemas.PeriodReviewAckCommand,
    errors=(404,),
    summary="Acknowledge a unit's review (the vice-chairman in charge, or the chairman)",
)
command_route(
    router,
    "POST",
    "/review-follow-ups/{follow_up_id}/close",
    "close_follow_up",
    schemas.FollowUpCloseCommand,
    errors=(404,),
    summary="Close a review's follow-up with a note (its owner, the unit head, an administrator)",
)


@router.get(
    "/reviews",
    summary="Periodic reviews of the units the caller sees, with figures and follow-ups",
)
async def list_reviews(
    caller: Caller,
    session: Reads,
    unit_id: Annotated[EntityId | None, Query()] = None,
    period: AnyPeriod = None,
) -> dict[str, Any]:
    return {"reviews": await review_list(session, caller, unit_id, period)}


# --- the initiatives register (sổ sáng kiến) -------------------------------------------------

command_route(
    router,
    "POST",
    "/initiatives",
    "propose_initiative",
    schemas.InitiativeIn,
    status_code=201,
    summary="Propose an initiative (đề xuất sáng kiến): title, problem, proposal, expected effect",
    doc="Any person, filed under their unit and the current month; with ``by_unit`` the "
    "unit's own\n(its head only).",
)
command_route(
    router,
    "POST",
    "/initiatives/{initiative_id}/decide",
    "decide_initiative",
    schemas.InitiativeDecisionCommand,
    errors=(404,),
    summary="Decide on an initiative: accepted, piloting, adopted (with its measured effect) or "
    "rejected (with a reason)",
    doc="The chairman, or a member of the council the policy names; never on one's own.",
)


@router.get(
    "/initiatives",
    summary="Initiatives of the units the caller sees and their own (sổ sáng kiến)",
    description="Every unit's for the chairman and the council the policy names "
    "(WARD5S_ASSESSMENT_INITIATIVE_COUNCIL), each with may_decide: whether the caller may "
    "decide on it now.",
)
async def list_initiatives(
    request: Request,
    caller: Caller,
    session: Reads,
    period: AnyPeriod = None,
    person_id: Annotated[EntityId | None, Query(description="Only this person's")] = None,
) -> dict[str, Any]:
    council = submissions_of(request).policy.initiative_council
    return {"initiatives": await initiative_list(session, caller, period, person_id, council)}


board_counts(
    "/initiatives/counts",
    "count_initiatives",
    initiative_counts,
    "Initiatives proposed and adopted per unit in a period, for the board",
)


# --- citizen follow-up ------------------------------------------------------------------------

command_route(
    router,
    "POST",
    "/citizen-follow-ups/{follow_up_id}/done",
    "citizen_follow_up_done",
    schemas.CitizenFollowUpDoneCommand,
    errors=(404,),
    summary="A dissatisfied citizen called back: the outcome (liên hệ lại người dân)",
    doc="Its owner (the unit head when it opened) or the head of its unit.",
)


@router.get(
    "/citizen-follow-ups",
    summary="Call-backs owed to dissatisfied citizens, of the units the caller sees",
)
async def list_citizen_follow_ups(
    caller: Caller,
    session: Reads,
    status: Annotated[Literal["open", "done"] | None, Query()] = None,
) -> dict[str, Any]:
    return {"follow_ups": await follow_up_list(session, caller, status)}


board_counts(
    "/citizen-follow-ups/counts",
    "count_citizen_follow_ups",
    follow_up_counts,
    "Citizen follow-ups opened and done per unit in a period, for the board",
)


# --- campaigns ----------------------------------------------------------------------------------

command_route(
    router,
    "POST",
    "/campaigns",
    "publish_campaign",
    schemas.CampaignIn,
    status_code=201,
    summary='Publish a dated campaign with its own checklist (e.g. "Ngày xanh lần thứ I")',
    doc="Administrators; each item drawn from the catalogue (``code``) or written for it "
    "(``text``).",
)
command_route(
    router,
    "POST",
    "/campaigns/{campaign_id}/audits",
    "audit_campaign",
    schemas.CampaignAuditCommand,
    errors=(404,),
    status_code=201,
    summary="Audit a unit against a campaign's checklist, within its dates",
)


@router.get(
    "/campaigns",
    summary="The ward's campaigns, their checklists and results per unit and ward-wide",
)
async def list_campaigns(caller: Caller, session: Reads) -> dict[str, Any]:
    return {"campaigns": await campaign_list(session, caller.ward)}


# --- the people of one's units ------------------------------------------------------------------

#: Who lists the people of the units they lead: unit heads, vice-chairmen, the chairman and the
#: ward's administrators.
UNIT_LEADERS = (Role.UNIT_HEAD, Role.VICE_CHAIRMAN, Role.CHAIRMAN, Role.ADMIN)


@router.get(
    "/people",
    summary="The people of the units the caller leads, by name (a unit head: their unit)",
)
async def list_people(
    caller: Annotated[Principal, Depends(require(*UNIT_LEADERS))],
    session: Reads,
    unit_id: Annotated[EntityId | None, Query(description="One of those units alone")] = None,
) -> dict[str, Any]:
    """Judged by the caller's seat in the org chart now (a head moved to another unit lists
    that unit's people; one no longer a leader is refused 403): ``{"people": [{person_id,
    full_name, role, unit_id}]}`` in Vietnamese order."""
    seat = await current_principal(session, caller)
    if seat.role not in UNIT_LEADERS:
        raise Refusal(Kind.FORBIDDEN, "forbidden")
    return {"people": await unit_people(session, seat, unit_id)}


# --- the period report -------------------------------------------------------------------------

#: Whose token may ask for the period report at all; their seat now decides
#: (``domain/period_reports.report_reader``).
Leader = Annotated[Principal, Depends(require(*REPORT_READERS))]


@router.get(
    "/reports",
    response_class=Response,
    responses=error_responses(404),
    summary="The period report for the ward committee (báo cáo kỳ): XLSX or printable A4 PDF",
)
async def period_report_file(
    request: Request,
    caller: Leader,
    db: Sessions,
    lang: Language,
    period: Period,
    format: Annotated[Literal["xlsx", "pdf"], Query()] = "pdf",
) -> Response:
    """Ranking, each unit's pillars and change, satisfaction, corrective actions, reviews,
    initiatives and citizen follow-ups: the ward's report, the one mailed to the committee,
    with scoring's figures read as the committee reads them, for a caller whose seat now is the
    chairman's, a vice-chairman's or an administrator's (403 ``not_report_reader`` otherwise).
    Errors: 503 ``scores_unavailable`` when scoring does not answer; scoring's own refusals as
    refusals (403 ``scores_forbidden``, 404 ``scores_not_found``, 422 ``bad_format``)."""
    submissions = submissions_of(request)
    scoring = submissions.scoring
    today = submissions.clock.now().astimezone(LOCAL_TZ).date()
    async with db() as session:
        reader = report_reader(await current_principal(session, caller))
        if scoring is None:
            raise ScoringUnavailable("no scoring configured")
        report = await period_report(session, reader, scoring, period, today)
    name = report_file_name(period)
    if format == "xlsx":
        return export_response(report_sheet(report), "xlsx", lang, name)
    pdf = await asyncio.to_thread(report_pdf, report, lang)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )
