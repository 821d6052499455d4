"""The scoring query API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from contracts.periods import Period
from services.runtime.errors import ApiError
from services.runtime.http import Caller, error_responses
from services.scoring import views

router = APIRouter(prefix="/v1", tags=["scoring"])

PeriodParam = Annotated[str, Query(max_length=16, description="YYYY-MM, YYYY-Qn or YYYY")]


def parse_period(value: str) -> Period:
    try:
        return Period.parse(value)
    except ValueError:
        raise ApiError(422, "bad_period", "period") from None


@router.get(
    "/units/{unit_id}/scores",
    responses=error_responses(401, 403, 422),
    summary="A unit's 5S result for a period (điểm 5S của đơn vị)",
)
async def unit_scores(
    request: Request,
    caller: Caller,
    unit_id: Annotated[str, Path(max_length=64)],
    period: PeriodParam,
) -> dict[str, Any]:
    if not caller.sees_unit(unit_id):
        raise ApiError(403, "forbidden")
    runtime = request.app.state.runtime
    async with runtime.sessions() as session:
        return await views.unit_score(
            session, caller.ward, unit_id, parse_period(period), request.app.state.policy
        )
