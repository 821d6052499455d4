"""Assessment's events about the programme's records beside audits: a person's "+"
self-assessment and its review, the task result of a month, a unit's period review and its
follow-ups, and the initiatives register."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import Field

from contracts.common import Contract, EntityId
from contracts.events.common import AssessmentEvent, ScoredItem
from contracts.periods import MonthKey


class ReviewFollowUp(Contract):
    """A task a periodic review set: who does it, by when (it is followed like a corrective
    action: overdue alerts, a closing note)."""

    follow_up_id: uuid.UUID
    owner_id: EntityId
    due_on: date


class PeriodReviewWrittenData(Contract):
    """A unit's review of a month, quarter or year (họp đánh giá, rút kinh nghiệm), written by
    its head; ``period`` is ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``."""

    review_id: uuid.UUID
    unit_id: EntityId
    period: str
    written_by: EntityId
    follow_ups: tuple[ReviewFollowUp, ...] = ()


class PeriodReviewAcknowledgedData(Contract):
    review_id: uuid.UUID
    unit_id: EntityId
    period: str
    acknowledged_by: EntityId


class ReviewFollowUpClosedData(Contract):
    follow_up_id: uuid.UUID
    review_id: uuid.UUID
    unit_id: EntityId
    closed_by: EntityId
    note: str


InitiativeStatus = Literal["proposed", "accepted", "piloting", "adopted", "rejected"]


class InitiativeProposedData(Contract):
    """An initiative (sáng kiến) proposed by a person, or by their unit (``by_unit``)."""

    initiative_id: uuid.UUID
    unit_id: EntityId
    proposed_by: EntityId
    by_unit: bool = False
    period: MonthKey  # the month it was proposed in
    title: str


class InitiativeDecidedData(Contract):
    """The chairman's or the council's decision on an initiative; ``measured_effect`` is what
    an adopted one was found to achieve."""

    initiative_id: uuid.UUID
    unit_id: EntityId
    proposed_by: EntityId
    status: InitiativeStatus
    decided_by: EntityId
    reason: str | None = None
    measured_effect: str | None = None


class SelfAssessmentSubmittedData(Contract):
    self_assessment_id: uuid.UUID
    person_id: EntityId
    unit_id: EntityId
    period: MonthKey
    catalog_version: str
    revision: int = Field(ge=1)
    items: tuple[ScoredItem, ...]


class SelfAssessmentReviewedData(Contract):
    self_assessment_id: uuid.UUID
    person_id: EntityId
    unit_id: EntityId
    period: MonthKey
    reviewer_id: EntityId
    outcome: Literal["approved", "adjusted", "returned"]
    revision: int = Field(ge=1)
    #: The approved scores (the person's own, or the head's adjustment); empty when returned.
    items: tuple[ScoredItem, ...] = ()
    reason: str | None = None


class TaskResultRecordedData(Contract):
    person_id: EntityId
    period: MonthKey
    points: float = Field(ge=0, le=70)
    #: A disciplinary measure in the period (from the HR system): Decree 335 then rates the
    #: person "không hoàn thành nhiệm vụ" whatever the points.
    disqualified: bool = False
    #: Who recorded it: the HR integration, or (in a ward without one) the leader who reviews
    #: the person's "+" self-assessment (their unit head; for a unit head, the vice-chairman in
    #: charge or the chairman). The last one recorded wins; the event's actor says who.
    source: Literal["integration", "leader"] = "integration"
    #: Why, in the recorder's words (a leader must give one).
    note: str | None = Field(default=None, max_length=1000)


class SelfAssessmentSubmitted(AssessmentEvent):
    type: Literal["assessment.self_assessment.submitted"] = "assessment.self_assessment.submitted"
    data: SelfAssessmentSubmittedData


class SelfAssessmentReviewed(AssessmentEvent):
    type: Literal["assessment.self_assessment.reviewed"] = "assessment.self_assessment.reviewed"
    data: SelfAssessmentReviewedData


class PeriodReviewWritten(AssessmentEvent):
    type: Literal["assessment.period_review.written"] = "assessment.period_review.written"
    data: PeriodReviewWrittenData


class PeriodReviewAcknowledged(AssessmentEvent):
    type: Literal["assessment.period_review.acknowledged"] = "assessment.period_review.acknowledged"
    data: PeriodReviewAcknowledgedData


class ReviewFollowUpClosed(AssessmentEvent):
    type: Literal["assessment.review_follow_up.closed"] = "assessment.review_follow_up.closed"
    data: ReviewFollowUpClosedData


class InitiativeProposed(AssessmentEvent):
    type: Literal["assessment.initiative.proposed"] = "assessment.initiative.proposed"
    data: InitiativeProposedData


class InitiativeDecided(AssessmentEvent):
    type: Literal["assessment.initiative.decided"] = "assessment.initiative.decided"
    data: InitiativeDecidedData


class TaskResultRecorded(AssessmentEvent):
    type: Literal["assessment.task_result.recorded"] = "assessment.task_result.recorded"
    data: TaskResultRecordedData
