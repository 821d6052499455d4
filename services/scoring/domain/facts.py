"""The facts a rebuild reads from the stream (pure, no I/O): each event reduced to a plain
tuple with only what the projection needs of it (plain, because millions of them are pickled
from the readers to the fold, ``domain/fold.py``). An event the projection does not take is an
OTHER fact, kept so that its id is still deduplicated."""

from __future__ import annotations

from collections.abc import Callable
from sys import intern
from typing import Any

from contracts import events
from contracts.envelope import Event
from services.runtime.dispatch import Table
from services.scoring.domain import projected
from services.scoring.domain.aggregates import flatten, sums_json_text
from services.scoring.domain.audits import AuditEvent, AuditRecord, record_after
from services.scoring.domain.reviews import review_record, task_result_state
from services.scoring.domain.roster import roster_entry
from services.scoring.domain.satisfaction import VERY_DISSATISFIED, local_day

#: A fact: ``(kind, stream sequence, event id, ...)``, the rest depending on the kind:
#:
#: - AUDIT: ward, audit id, unit, month, revision, live, sums (flat; as JSON text when written);
#: - REVIEW: ward, self-assessment id, its :class:`ReviewRecord`;
#: - TASK_RESULT: ward, person, month, its :data:`TaskResultState`;
#: - FEEDBACK: ward, unit, month, level, the local day of a "Rất không hài lòng" (else None);
#: - CLOSE: ward, month, when; REOPEN: ward, month;
#: - ORG: ward, the chart as kept (:func:`roster_entry`);
#: - OTHER: nothing (not projected).
Fact = tuple[Any, ...]

AUDIT, REVIEW, TASK_RESULT, FEEDBACK, CLOSE, REOPEN, ORG, OTHER = range(8)

AuditKey = tuple[str, str]  # ward, audit id


#: What the projection needs of an event, by its type: ``make(sequence, event_id, event)``.
FACTS: Table[Callable[[int, str, Any], Fact]] = Table("scoring facts")


def fact_of(sequence: int, event: Event) -> Fact:
    """What the projection needs of an event (every event makes one, to be deduplicated)."""
    make = FACTS.find(type(event))
    event_id = str(event.event_id)
    return (OTHER, sequence, event_id) if make is None else make(sequence, event_id, event)


@FACTS.register(*projected.AUDITS)
def _from_audit(sequence: int, event_id: str, event: AuditEvent) -> Fact:
    audit = (event.ward, str(event.data.audit_id))
    return audit_fact(sequence, event_id, audit, record_after(event))


@FACTS.register(*projected.REVIEWS)
def _from_review(sequence: int, event_id: str, event: events.SelfAssessmentReviewed) -> Fact:
    key = str(event.data.self_assessment_id)
    return (REVIEW, sequence, event_id, event.ward, key, review_record(event))


@FACTS.register(*projected.TASK_RESULTS)
def _from_task_result(sequence: int, event_id: str, event: events.TaskResultRecorded) -> Fact:
    result = event.data
    state = task_result_state(event)
    return (TASK_RESULT, sequence, event_id, event.ward, result.person_id, result.period, state)


@FACTS.register(*projected.FEEDBACK)
def _from_feedback(sequence: int, event_id: str, event: events.FeedbackReceived) -> Fact:
    rating = event.data
    day = local_day(event.occurred_at) if rating.level == VERY_DISSATISFIED else None
    return (
        FEEDBACK,
        sequence,
        event_id,
        event.ward,
        rating.unit_id,
        rating.period,
        rating.level,
        day,
    )


@FACTS.register(*projected.CLOSES)
def _from_close(sequence: int, event_id: str, event: events.PeriodClosed) -> Fact:
    return (CLOSE, sequence, event_id, event.ward, event.data.period, event.occurred_at)


@FACTS.register(*projected.REOPENS)
def _from_reopen(sequence: int, event_id: str, event: events.PeriodReopened) -> Fact:
    return (REOPEN, sequence, event_id, event.ward, event.data.period)


@FACTS.register(*projected.ORG_CHARTS)
def _from_org_chart(sequence: int, event_id: str, event: events.OrgChartPublished) -> Fact:
    return (ORG, sequence, event_id, event.ward, roster_entry(event.data))


def audit_row(fact: Fact) -> tuple[Any, ...]:
    """An audit's fact as its row: event_id, ward, audit_id, unit_id, month, revision, live,
    sums (JSON text)."""
    return (*fact[2:9], sums_json_text(fact[9]))


def audit_fact(sequence: int, event_id: str, key: AuditKey, record: AuditRecord) -> Fact:
    """An audit's fact: its record once the event ``event_id`` at ``sequence`` is applied (or,
    sequence 0, a written row's record, ``key`` its ward and audit id)."""
    # The stored row's fields in a run (event id first), so the row is a slice of the fact. The
    # ward, unit and month repeat from audit to audit: interned, a chunk of facts holds (and
    # pickles) one string of each instead of one per audit.
    return (
        AUDIT,
        sequence,
        event_id,
        intern(key[0]),
        key[1],
        intern(record.unit_id),
        intern(record.month),
        record.revision,
        record.live,
        flatten(record.sums),
    )
