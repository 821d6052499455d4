"""Folding self-assessment reviews into people's monthly "+" sums, and task results into their
months."""

from __future__ import annotations

from collections.abc import Sequence

from contracts.events import SelfAssessmentReviewed, TaskResultRecorded
from services.scoring.adapters import month_sums, records, task_results
from services.scoring.adapters.month_sums import PersonMonthKey
from services.scoring.domain.reviews import (
    ReviewFold,
    TaskResultState,
    keep_latest,
    review_record,
    task_result_state,
)
from services.scoring.handlers.batch import Batch


async def fold_reviews(batch: Batch, events: Sequence[SelfAssessmentReviewed]) -> None:
    """Each review against the self-assessment's stored record (:class:`ReviewFold`): a newer
    one retracts what the old one approved and adds its own; a returned one still makes the
    month known."""
    session = batch.session
    keys = [(e.ward, str(e.data.self_assessment_id)) for e in events]
    reviews = ReviewFold(await records.load(session, records.REVIEWS, keys))
    for event, key in zip(events, keys, strict=True):
        reviews.apply(key, review_record(event), str(event.event_id))
    await records.save(session, records.REVIEWS, reviews.changed)
    # A person's month has one unit, that of the review applied last (also when two reviews
    # of one batch name different units).
    await month_sums.add_to_person_months(session, reviews.sums, reviews.units)
    for ward, person, month in reviews.sums:
        batch.touched[ward].people.add((person, month))


async def fold_task_results(batch: Batch, events: Sequence[TaskResultRecorded]) -> None:
    """Per person and month, the task result recorded last in event time wins."""
    newest: dict[PersonMonthKey, TaskResultState] = {}
    for e in events:
        keep_latest(newest, (e.ward, e.data.person_id, e.data.period), task_result_state(e))
        batch.touched[e.ward].people.add((e.data.person_id, e.data.period))
    await task_results.record_task_results(batch.session, newest)
