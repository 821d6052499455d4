"""The routes of the rest of the 5S+ programme: periodic reviews (họp đánh giá, rút kinh
nghiệm) and their follow-ups. Submissions go through the command table like every other."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from contracts import intake as schemas
from contracts.common import EntityId
from services.assessment.entrypoints.deps import Sessions, command_route
from services.assessment.views.reviews import review_list
from services.runtime.http import Caller, error_responses

router = APIRouter(prefix="/v1", tags=["assessment"])

command_route(
    router,
    "POST",
    "/reviews",
    "write_review",
    body=schemas.PeriodReviewIn,
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
    target=("review_id", uuid.UUID),
    body=schemas.PeriodReviewAckIn,
    command=schemas.PeriodReviewAckCommand,
    errors=(404,),
    summary="Acknowledge a unit's review (the vice-chairman in charge, or the chairman)",
)
command_route(
    router,
    "POST",
    "/review-follow-ups/{follow_up_id}/close",
    "close_follow_up",
    target=("follow_up_id", uuid.UUID),
    body=schemas.ActionCloseIn,
    command=schemas.FollowUpCloseCommand,
    errors=(404,),
    summary="Close a review's follow-up with a note (its owner, the unit head, an administrator)",
)


@router.get(
    "/reviews",
    responses=error_responses(401, 422),
    summary="Periodic reviews of the units the caller sees, with figures and follow-ups",
)
async def list_reviews(
    caller: Caller,
    db: Sessions,
    unit_id: Annotated[EntityId | None, Query()] = None,
    period: Annotated[
        schemas.PeriodKey | None, Query(description="YYYY-MM, YYYY-Qn or YYYY")
    ] = None,
) -> dict[str, Any]:
    async with db() as session:
        return {"reviews": await review_list(session, caller, unit_id, period)}
