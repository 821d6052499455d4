"""The scoring query API: every figure scoped to the caller's ward and role."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from contracts.periods import Month
from contracts.roles import WARD_WIDE_ROLES, Role
from services.runtime.auth import Principal
from services.runtime.errors import ApiError
from services.runtime.http import Caller, error_responses, require
from services.scoring import views

router = APIRouter(prefix="/v1", tags=["scoring"])

PeriodParam = Annotated[
    str, Query(max_length=16, description="YYYY-MM, YYYY-Qn, YYYY, last3m or last12m")
]
ExplainParam = Annotated[bool, Query(description="list the events behind every figure")]
EntityPath = Annotated[str, Path(max_length=64)]
#: Who sees the whole ward's people: the leadership and the ward's IT.
LEADERS = (Role.ADMIN, Role.CHAIRMAN, Role.VICE_CHAIRMAN)


def parse_window(value: str) -> views.Window:
    try:
        return views.window(value, Month.of(datetime.now(UTC)))
    except ValueError:
        raise ApiError(422, "bad_period", "period") from None


def _answer_context(request: Request) -> tuple[Any, Any]:
    return request.app.state.runtime, request.app.state.policy


@router.get(
    "/units/{unit_id}/scores",
    responses=error_responses(401, 403, 422),
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
        raise ApiError(403, "forbidden")
    span = parse_window(period)
    runtime, policy = _answer_context(request)
    async with runtime.sessions() as session:
        return await views.unit_score(session, caller.ward, unit_id, span, policy, explain)


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
    span = parse_window(period)
    runtime, policy = _answer_context(request)
    async with runtime.sessions() as session:
        return await views.rankings(session, caller.ward, span, policy)


def _sees_person(caller: Principal, person_id: str, unit_id: str | None) -> bool:
    """People see themselves, unit heads and vice-chairmen the people of their units, the
    chairman and the ward's IT everyone of the ward."""
    if caller.subject_id == person_id and caller.role not in (Role.KIOSK, Role.INTEGRATION):
        return True
    if caller.role is Role.AUDITOR:
        return False  # auditors see units, not people
    return caller.role in WARD_WIDE_ROLES or (unit_id is not None and caller.sees_unit(unit_id))


@router.get(
    "/people/{person_id}/scores",
    responses=error_responses(401, 403, 404, 422),
    summary="A person's score and band for a period (điểm và xếp loại cá nhân)",
)
async def person_scores(
    request: Request,
    caller: Caller,
    person_id: EntityPath,
    period: PeriodParam,
    explain: ExplainParam = False,
) -> dict[str, Any]:
    span = parse_window(period)
    runtime, policy = _answer_context(request)
    async with runtime.sessions() as session:
        answer = await views.person_score(session, caller.ward, person_id, span, policy, explain)
    # The same refusal whether or not the person has a score, so nothing leaks.
    if not _sees_person(caller, person_id, answer["unit_id"] if answer else None):
        raise ApiError(403, "forbidden")
    if answer is None:
        raise ApiError(404, "no_score", "person_id")
    return answer


@router.get(
    "/classification",
    responses=error_responses(401, 403, 422),
    summary="The ward's classification and income tier for a period (xếp loại, thu nhập)",
)
async def classification(
    request: Request,
    caller: Annotated[Principal, Depends(require(*LEADERS, Role.UNIT_HEAD))],
    period: PeriodParam,
) -> dict[str, Any]:
    span = parse_window(period)
    runtime, policy = _answer_context(request)
    async with runtime.sessions() as session:
        people = await views.classification(session, caller.ward, span.months, policy)
        closed = await views.store.closed_months(session, caller.ward, span.months)
    visible = [
        p.model_dump()
        for p in people
        if caller.role in WARD_WIDE_ROLES or caller.sees_unit(p.unit_id)
    ]
    return {
        "period": span.key,
        "provisional": not set(span.months) <= closed,
        "policy_version": policy.version,
        "people": visible,
    }
