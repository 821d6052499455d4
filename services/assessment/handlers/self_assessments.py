"""The "+" self-assessment: a person scores themself on the "+" items once a month; the person's
grader (``domain/graders.py``) approves, adjusts or returns it; a returned one is resubmitted as
the next revision of the same self-assessment."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from contracts.catalog import Catalog
from contracts.events import (
    ScoredItem,
    SelfAssessmentReviewed,
    SelfAssessmentReviewedData,
    SelfAssessmentSubmitted,
    SelfAssessmentSubmittedData,
)
from contracts.roles import Role
from services.assessment.adapters import org
from services.assessment.adapters import self_assessments as stored
from services.assessment.adapters.rows import described_by
from services.assessment.domain.graders import grading_refusal
from services.assessment.domain.self_assessments import PlusScore, check_review, score_plus_items
from services.assessment.handlers.common import (
    Context,
    catalog_in_use,
    check_period_in_window,
    check_period_open,
    find_person,
    get_catalog,
    optional_text,
)
from services.runtime.refusals import Kind, Refusal, found
from services.runtime.uow import UnitOfWork


async def submit_self_assessment(
    uow: UnitOfWork,
    context: Context,
    period: str,
    items: Sequence[PlusScore],
    catalog_version: str | None = None,
) -> dict[str, Any]:
    """A person's "+" self-assessment of ``period`` (YYYY-MM) against ``catalog_version`` (the
    current catalogue by default). Errors: 403 ``not_a_person``; 422 ``unknown_person``,
    ``no_unit``, the window's and the items' (``domain``); 409 ``period_closed``,
    ``already_submitted``."""
    unit_id = await _submitter_unit(uow, context)
    check_period_in_window(period, context)
    catalog = await catalog_in_use(uow.session, catalog_version, context.now)
    scored = score_plus_items(catalog, items)
    await check_period_open(uow.session, context, period)
    self_assessment_id, revision = await _store_submission(
        uow, context, period, unit_id, catalog, scored
    )
    uow.emit(
        SelfAssessmentSubmitted(
            **context.envelope(),
            data=SelfAssessmentSubmittedData(
                self_assessment_id=self_assessment_id,
                person_id=context.principal.subject_id,
                unit_id=unit_id,
                period=period,
                catalog_version=catalog.version,
                revision=revision,
                items=scored,
            ),
        )
    )
    return {
        "self_assessment_id": str(self_assessment_id),
        "revision": revision,
        "period": period,
        "status": "submitted",
    }


async def _submitter_unit(uow: UnitOfWork, context: Context) -> str:
    """The unit the submitting person belongs to now: devices and integrations are no persons
    (403 ``not_a_person``), and a person without a unit cannot be graded (422 ``no_unit``)."""
    if context.principal.role in (Role.KIOSK, Role.INTEGRATION):
        raise Refusal(Kind.FORBIDDEN, "not_a_person")
    person = await find_person(uow.session, context.ward, context.principal.subject_id, "person_id")
    if not person.unit_id:
        raise Refusal(Kind.INVALID, "no_unit", "person_id")
    return str(person.unit_id)


async def _store_submission(
    uow: UnitOfWork,
    context: Context,
    period: str,
    unit_id: str,
    catalog: Catalog,
    scored: Sequence[ScoredItem],
) -> tuple[uuid.UUID, int]:
    """The month's first submission, or a returned one's next revision; 409
    ``already_submitted`` otherwise. Returns its id and revision."""
    person_id = context.principal.subject_id
    existing = await stored.of_person_locked(uow.session, context.ward, person_id, period)
    values = stored.submitted_values(unit_id, catalog.version, scored, context.now)
    if existing is None:
        self_assessment_id = uuid.uuid4()
        await stored.insert(
            uow.session, self_assessment_id, context.ward, person_id, period, values
        )
        return self_assessment_id, 1
    if existing.status == "returned":
        revision = existing.revision + 1
        await stored.resubmit(uow.session, existing.self_assessment_id, revision, values)
        return uuid.UUID(existing.self_assessment_id), revision
    raise Refusal(Kind.CONFLICT, "already_submitted", "period", period=period)


async def review_self_assessment(
    uow: UnitOfWork,
    context: Context,
    self_assessment_id: uuid.UUID,
    outcome: str,
    reason: str | None,
    adjusted: Sequence[PlusScore] | None,
) -> dict[str, Any]:
    """Approve, adjust or return a submitted self-assessment. The reviewer is the person's
    grader in the org chart as it is now (``domain/graders.py``): 403 ``own_review`` for one's
    own, 403 ``not_reviewer`` for anyone else; 404 ``unknown_self_assessment``; 409
    ``not_awaiting_review``, ``period_closed``."""
    row = await _reviewable(uow, context, self_assessment_id)
    check_review(outcome, reason, adjusted is not None)
    if row.status != "submitted":
        raise Refusal(Kind.CONFLICT, "not_awaiting_review", "self_assessment_id")
    await check_period_open(uow.session, context, row.period)
    approved = await _approved_items(uow, row, outcome, adjusted)
    reason = optional_text(reason)
    reviewer_id = context.principal.subject_id
    await stored.review(
        uow.session, row.self_assessment_id, outcome, approved, reviewer_id, reason, context.now
    )
    data = described_by(
        SelfAssessmentReviewedData,
        row,
        reviewer_id=reviewer_id,
        outcome=outcome,
        items=approved,
        reason=reason,
    )
    uow.emit(SelfAssessmentReviewed(**context.envelope(), data=data))
    return {
        "self_assessment_id": str(self_assessment_id),
        "revision": row.revision,
        "period": row.period,
        "status": outcome,
    }


async def _reviewable(uow: UnitOfWork, context: Context, self_assessment_id: uuid.UUID) -> Row[Any]:
    """The self-assessment, locked, if the caller grades its person."""
    row = found(
        await stored.locked(uow.session, self_assessment_id, context.ward),
        "unknown_self_assessment",
        "self_assessment_id",
    )
    person_role = await org.person_role(uow.session, context.ward, row.person_id)
    refusal = grading_refusal(
        context.seat,
        row.person_id,
        person_role or "",
        row.unit_id,
        context.policy.chairman_reviewer,
    )
    if refusal is not None:
        raise Refusal(Kind.FORBIDDEN, "own_review" if refusal == "own" else "not_reviewer")
    return row


async def _approved_items(
    uow: UnitOfWork, row: Row[Any], outcome: str, adjusted: Sequence[PlusScore] | None
) -> tuple[ScoredItem, ...]:
    """What counts after the review: the person's own scores, the reviewer's, or none."""
    if outcome == "approved":
        return tuple(ScoredItem.model_validate(item) for item in row.items)
    if outcome == "adjusted":
        catalog = await get_catalog(uow.session, row.catalog_version)
        return score_plus_items(catalog, adjusted or ())
    return ()
