"""The scoring query API: every figure scoped to the caller's ward and role."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from contracts.periods import Month
from contracts.roles import WARD_WIDE_ROLES, Role
from services.runtime.auth import Principal
from services.runtime.http import Caller, IdempotencyKey, error_responses, require
from services.runtime.refusals import Kind, Refusal
from services.scoring.adapters import closes, org
from services.scoring.domain import periods
from services.scoring.entrypoints.schemas import DecisionCommand, DecisionIn
from services.scoring.views import people as person_views
from services.scoring.views import units as unit_views

router = APIRouter(prefix="/v1", tags=["scoring"])

PeriodParam = Annotated[
    str, Query(max_length=16, description="YYYY-MM, YYYY-Qn, YYYY, last3m or last12m")
]
ClassifiedPeriodParam = Annotated[
    str, Query(max_length=16, description="YYYY-MM, YYYY-Qn or YYYY, not after this month")
]
ExplainParam = Annotated[bool, Query(description="list the events behind every figure")]
EntityPath = Annotated[str, Path(max_length=64)]
#: Who sees the whole ward's people: the leadership and the ward's IT.
LEADERS = (Role.ADMIN, Role.CHAIRMAN, Role.VICE_CHAIRMAN)


def parse_window(
    request: Request, value: str, accepts: periods.Accepts = periods.FIGURES
) -> unit_views.Window:
    """The months ``value`` names if the endpoint (``accepts``) takes it, in the service's
    current month (its clock); a 422 ``bad_period`` naming what the endpoint takes otherwise."""
    current = Month.of(request.app.state.clock.now())
    periods.accept(value, accepts, current)
    return unit_views.window(value, current)


def _answer_context(request: Request) -> tuple[Any, Any]:
    return request.app.state.runtime, request.app.state.policy


@router.get(
    "/units/{unit_id}/scores",
    responses=error_responses(401, 403, 404, 422),
    summary="A unit's 5S result for a period (điểm 5S của đơn vị)",
)
async def unit_scores(
    request: Request,
    caller: Caller,
    unit_id: EntityPath,
    period: PeriodParam,
    explain: ExplainParam = False,
) -> dict[str, Any]:
    if not caller.sees_unit(unit_id):
        raise Refusal(Kind.FORBIDDEN, "forbidden")
    span = parse_window(request, period)
    runtime, policy = _answer_context(request)
    async with runtime.sessions() as session:
        answer = await unit_views.unit_score(session, caller.ward, unit_id, span, policy, explain)
    if answer is None:
        raise Refusal(Kind.NOT_FOUND, "unknown_unit", "unit_id")
    return answer


@router.get(
    "/rankings",
    responses=error_responses(401, 403, 422),
    summary="Units ranked by 5S total, with citizen satisfaction (xếp hạng đơn vị)",
)
async def rankings(
    request: Request,
    caller: Annotated[Principal, Depends(require(*LEADERS, Role.AUDITOR, Role.UNIT_HEAD))],
    period: PeriodParam,
) -> dict[str, Any]:
    span = parse_window(request, period)
    runtime, policy = _answer_context(request)
    async with runtime.sessions() as session:
        return await unit_views.rankings(session, caller.ward, span, policy)


def _sees_person(caller: Principal, person_id: str, unit_id: str | None) -> bool:
    """People see themselves, unit heads and vice-chairmen the people of their units, the
    chairman and the ward's IT everyone of the ward."""
    if caller.subject_id == person_id and caller.role not in (Role.KIOSK, Role.INTEGRATION):
        return True
    if caller.role is Role.AUDITOR:
        return False  # auditors see units, not people
    return _visible(caller, unit_id)


@router.get(
    "/people/{person_id}/scores",
    responses=error_responses(401, 403, 404, 422),
    summary="A person's score and band for a period (điểm và xếp loại cá nhân)",
)
async def person_scores(
    request: Request,
    caller: Caller,
    person_id: EntityPath,
    period: ClassifiedPeriodParam,
    explain: ExplainParam = False,
) -> dict[str, Any]:
    span = parse_window(request, period, periods.CLASSIFICATION)
    runtime, policy = _answer_context(request)
    async with runtime.sessions() as session:
        answer = await person_views.person_score(
            session, caller.ward, person_id, span, policy, explain
        )
        # Someone the org chart names is always answered (not classified, with what is
        # missing); anyone else only with something recorded in the period. A ward whose org
        # chart scoring has not seen yet keeps the older answer, "no score this period".
        chart = await org.chart(session, caller.ward) if answer is None else None
    # The same refusal whether or not the person has a score, so nothing leaks.
    if not _sees_person(caller, person_id, answer["unit_id"] if answer else None):
        raise Refusal(Kind.FORBIDDEN, "forbidden")
    if answer is None:
        code = "no_score" if chart is None else "unknown_person"
        raise Refusal(Kind.NOT_FOUND, code, "person_id")
    return answer


def _visible(caller: Principal, unit_id: str | None) -> bool:
    """Ward-wide roles see everyone; others the people of the units they see."""
    return caller.role in WARD_WIDE_ROLES or (unit_id is not None and caller.sees_unit(unit_id))


@router.get(
    "/classification",
    responses=error_responses(401, 403, 422),
    summary="The ward's classification and income tier for a period (xếp loại, thu nhập)",
)
async def classification(
    request: Request,
    caller: Annotated[Principal, Depends(require(*LEADERS, Role.UNIT_HEAD))],
    period: ClassifiedPeriodParam,
) -> dict[str, Any]:
    """Everyone of the ward's org chart (and anyone with a score in the period): band and
    income tier, or why they are not classified, or that they wait for the chairman."""
    span = parse_window(request, period, periods.CLASSIFICATION)
    runtime, policy = _answer_context(request)
    async with runtime.sessions() as session:
        result = await person_views.classification(
            session, caller.ward, span.key, span.months, policy
        )
        closed = await closes.closed_months(session, caller.ward, span.months)
    return {
        "period": span.key,
        "provisional": not set(span.months) <= closed,
        "policy_version": policy.version,
        "quota_base": policy.quota_base,
        "quotas": [q.model_dump() for q in result.quotas],
        "tot_income_cap": policy.income.caps["tot"],
        "people": [p.model_dump() for p in result.people if _visible(caller, p.unit_id)],
    }


@router.post(
    "/classification/{period}/decisions",
    responses=error_responses(401, 403, 409, 422),
    summary="The chairman decides a tie at the 20% cap (Chủ tịch quyết định người đồng điểm)",
)
async def record_decision(
    request: Request,
    caller: Annotated[Principal, Depends(require(Role.CHAIRMAN))],
    period: Annotated[
        str, Path(max_length=16, description="YYYY-MM, YYYY-Qn or YYYY, not after this month")
    ],
    body: DecisionIn,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Names who of the people tied at the edge of a duty group's quota keep "xuất sắc",
    within the quota (409 otherwise); the classification is re-issued with it once the period
    is closed. Answers the decision and the classification as it now stands."""
    body = DecisionCommand(period=period, **body.model_dump())
    return await execute(request, caller, body, key)


async def execute(
    request: Request, caller: Principal, body: BaseModel, key: str | None
) -> JSONResponse:
    """Run one person's command through the command pipeline; its answer."""
    status, answer = await request.app.state.commands.execute(caller, body, key)
    return JSONResponse(answer, status_code=status)
