"""Folding self-assessment reviews into people's monthly "+" sums, and task results into their
months."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import partial

from contracts.events import SelfAssessmentReviewed, TaskResultRecorded
from services.scoring.adapters import month_sums, records, task_results
from services.scoring.adapters.month_sums import PersonMonthKey
from services.scoring.adapters.records import ReviewKey
from services.scoring.domain.aggregates import PillarSums
from services.scoring.domain.reviews import (
    ReviewRecord,
    TaskResultState,
    keep_latest,
    review_record,
    review_supersedes,
    task_result_state,
)
from services.scoring.handlers.batch import Batch, replace_contribution


async def fold_reviews(batch: Batch, events: Sequence[SelfAssessmentReviewed]) -> None:
    """Each review against the self-assessment's stored record: a newer one retracts what the
    old one approved and adds its own; a returned one still makes the month known."""
    session = batch.session
    keys = [(e.ward, str(e.data.self_assessment_id)) for e in events]
    stored = await records.load(session, records.REVIEWS, keys)
    changed: dict[ReviewKey, tuple[ReviewRecord, str]] = {}
    deltas: dict[PersonMonthKey, PillarSums] = defaultdict(PillarSums)
    # A person's month has one unit, that of the review applied last (also when two reviews
    # of one batch name different units): every month a review touches takes its unit.
    units: dict[PersonMonthKey, str] = {}
    for event, key in zip(events, keys, strict=True):
        current, new = stored.get(key), review_record(event)
        if not review_supersedes(new, current):
            continue
        replace_contribution(deltas, current, new, partial(_person_slot, key[0]))
        # A returned review still makes the person's month known (with no approved "+").
        deltas[(key[0], new.person_id, new.month)] += PillarSums()
        for record in (current, new):
            if record is not None:
                units[(key[0], record.person_id, record.month)] = new.unit_id
        stored[key] = new
        changed[key] = (new, str(event.event_id))
    await records.save(session, records.REVIEWS, changed)
    await month_sums.add_to_person_months(session, deltas, units)
    for ward, person, month in deltas:
        batch.touched[ward].people.add((person, month))


def _person_slot(ward: str, record: ReviewRecord, pillar: str) -> PersonMonthKey | None:
    """Only "+" items count towards a person's month."""
    return (ward, record.person_id, record.month) if pillar == "P" else None


async def fold_task_results(batch: Batch, events: Sequence[TaskResultRecorded]) -> None:
    """Per person and month, the task result recorded last in event time wins."""
    newest: dict[PersonMonthKey, TaskResultState] = {}
    for e in events:
        keep_latest(newest, (e.ward, e.data.person_id, e.data.period), task_result_state(e))
        batch.touched[e.ward].people.add((e.data.person_id, e.data.period))
    await task_results.record_task_results(batch.session, newest)
