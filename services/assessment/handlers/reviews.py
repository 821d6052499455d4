"""Periodic reviews (họp đánh giá, rút kinh nghiệm): each unit reviews its month, quarter and
year, as the ward's launch of 5S+ asks ("định kỳ hàng tháng, quý và năm, các đơn vị sẽ tiến hành
đánh giá, rút kinh nghiệm").

The unit head writes the review (what went well, what did not, lessons, follow-up tasks with
owner and due date); the period's figures the service knows are attached as they stand when it
is written. The vice-chairman in charge of the unit (or the chairman) acknowledges it. A
follow-up is closed like a corrective action: by its owner, the unit head or an administrator,
with a note.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from contracts import intake as schemas
from contracts.events import (
    PeriodReviewAcknowledged,
    PeriodReviewAcknowledgedData,
    PeriodReviewWritten,
    PeriodReviewWrittenData,
    ReviewFollowUp,
    ReviewFollowUpClosed,
    ReviewFollowUpClosedData,
)
from contracts.periods import Month, Period
from contracts.roles import Role
from services.assessment.adapters import reviews
from services.assessment.adapters.rows import described_by
from services.assessment.adapters.scoring_figures import ScoringFigures
from services.assessment.domain.window import check_due
from services.assessment.handlers.common import (
    Context,
    beyond,
    check_unit,
    closer,
    find_person,
    local_date,
    optional_text,
    required_note,
)
from services.runtime.refusals import Kind, Refusal, found
from services.runtime.uow import UnitOfWork


async def write_review(
    uow: UnitOfWork,
    context: Context,
    body: schemas.PeriodReviewIn,
    scoring: ScoringFigures | None,
) -> dict[str, Any]:
    """Store the unit's review of ``body.period`` with its figures and follow-ups and publish
    ``assessment.period_review.written``; answers ``{review_id, unit_id, period, figures,
    follow_ups: [{follow_up_id, owner_id, due_on}]}``.

    Errors: 403 ``not_unit_head`` (only the head of that unit writes it); 422 ``unknown_unit``,
    ``review_too_early`` (``period``: it has not begun), ``unknown_person``
    (``follow_ups[i].owner_id``), ``due_not_future`` / ``date_out_of_window``
    (``follow_ups[i].due_on``); 409 ``review_exists`` (one review per unit and period); 503
    ``scores_unavailable`` and scoring's refusals of its figures (:func:`_scores`)."""
    principal = context.principal
    if principal.role is not Role.UNIT_HEAD or principal.unit_id != body.unit_id:
        raise Refusal(Kind.FORBIDDEN, "not_unit_head", "unit_id")
    await check_unit(uow.session, context.ward, body.unit_id)
    period = Period.parse(body.period)
    months = [m.key for m in period.months()]
    if months[0] > Month.of(context.now).key:
        raise Refusal(Kind.INVALID, "review_too_early", "period", period=body.period)
    for index, task in enumerate(body.follow_ups):
        await find_person(uow.session, context.ward, task.owner_id, f"follow_ups[{index}].owner_id")
        check_due(task.due_on, context.policy, context.now, f"follow_ups[{index}].due_on")
    if await reviews.exists(uow.session, context.ward, body.unit_id, body.period):
        raise Refusal(Kind.CONFLICT, "review_exists", "period", period=body.period)
    figures = {
        "scores": await _scores(scoring, context, body.unit_id, body.period),
        "corrective_actions": await reviews.action_counts(
            uow.session, context.ward, body.unit_id, months, local_date(context.now)
        ),
    }
    data = PeriodReviewWrittenData(
        review_id=uuid.uuid4(),
        unit_id=body.unit_id,
        period=body.period,
        written_by=principal.subject_id,
        follow_ups=tuple(
            ReviewFollowUp(follow_up_id=uuid.uuid4(), owner_id=task.owner_id, due_on=task.due_on)
            for task in body.follow_ups
        ),
    )
    await reviews.insert_review(
        uow.session,
        data,
        ward=context.ward,
        figures=figures,
        written_at=context.now,
        **beyond(body, data),
    )
    for task, follow_up in zip(body.follow_ups, data.follow_ups, strict=True):
        await reviews.insert_follow_up(
            uow.session, follow_up, data, ward=context.ward, **beyond(task, follow_up)
        )
    uow.emit(PeriodReviewWritten(**context.envelope(), data=data))
    return {
        "review_id": str(data.review_id),
        "unit_id": body.unit_id,
        "period": body.period,
        "figures": figures,
        "follow_ups": [t.model_dump(mode="json") for t in data.follow_ups],
    }


async def _scores(
    scoring: ScoringFigures | None, context: Context, unit_id: str, period: str
) -> Any:
    """Scoring's figures of the unit and period as they stand (5S by pillar, total,
    satisfaction), read as the writer's seat: 503 ``scores_unavailable`` when scoring does not
    answer, so no review is stored without them, and scoring's refusals as refusals (403
    ``scores_forbidden``, 422 ``bad_format``: ``adapters/scoring_figures.py``); None where no
    scoring is configured (a test of this service alone)."""
    if scoring is None:
        return None
    return await scoring.unit_figures(context.principal, unit_id, period)


async def acknowledge_review(
    uow: UnitOfWork, context: Context, review_id: uuid.UUID, note: str | None
) -> dict[str, Any]:
    """The vice-chairman in charge of the review's unit (or the chairman) acknowledges it;
    publishes ``assessment.period_review.acknowledged``. Errors: 404 ``unknown_review``; 403
    ``not_review_checker``; 409 ``review_acknowledged`` (once only)."""
    row = found(
        await reviews.locked_review(uow.session, review_id, context.ward),
        "unknown_review",
        "review_id",
    )
    principal = context.principal
    in_charge = principal.role is Role.CHAIRMAN or (
        principal.role is Role.VICE_CHAIRMAN and row.unit_id in principal.units_in_charge
    )
    if not in_charge:
        raise Refusal(Kind.FORBIDDEN, "not_review_checker", "review_id")
    if row.acknowledged_at is not None:
        raise Refusal(Kind.CONFLICT, "review_acknowledged", "review_id")
    note = optional_text(note)
    await reviews.acknowledge(uow.session, review_id, principal.subject_id, note, context.now)
    data = described_by(PeriodReviewAcknowledgedData, row, acknowledged_by=principal.subject_id)
    uow.emit(PeriodReviewAcknowledged(**context.envelope(), data=data))
    return {"review_id": str(review_id), "acknowledged_by": principal.subject_id}


async def close_follow_up(
    uow: UnitOfWork,
    context: Context,
    follow_up_id: uuid.UUID,
    note: str,
    evidence: Sequence[str],
) -> dict[str, Any]:
    """Close a review's follow-up with a note (as a corrective action is closed); publishes
    ``assessment.review_follow_up.closed``. Errors: 422 ``required`` (``note``); 404
    ``unknown_follow_up``; 403 ``not_action_owner``; 409 ``follow_up_closed``."""
    note = required_note(note)
    row = await _follow_up(uow, context, follow_up_id)
    by = closer(context.principal, row, "follow_up_id", "follow_up_closed")
    await reviews.close_follow_up(uow.session, follow_up_id, by, note, evidence, context.now)
    data = described_by(ReviewFollowUpClosedData, row, closed_by=by, note=note)
    uow.emit(ReviewFollowUpClosed(**context.envelope(), data=data))
    return {"follow_up_id": str(follow_up_id), "status": "closed", "unit_id": row.unit_id}


async def _follow_up(uow: UnitOfWork, context: Context, follow_up_id: uuid.UUID) -> Row[Any]:
    return found(
        await reviews.locked_follow_up(uow.session, follow_up_id, context.ward),
        "unknown_follow_up",
        "follow_up_id",
    )
