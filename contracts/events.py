"""Every event of ward5s.

Assessment owns the facts, scoring owns the numbers, notifications owns who was told what. Each
event type is ``<context>.<entity>.<verb>``; its subject is ``ward5s.<ward>.<type>``.

Corrections are events too: an amendment or withdrawal carries its ``revision`` (the audit's
version number, 1 for the first submission) so a consumer can apply them in any order and keep
the newest, and it carries what it replaces.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, TypeAdapter

from contracts.common import Contract, EntityId, Text
from contracts.envelope import Event
from contracts.periods import MonthKey
from contracts.roles import Role

Score = Annotated[int, Field(ge=0, le=4)]
Weight = Annotated[float, Field(gt=0, le=10)]
Pillar = Literal["S1", "S2", "S3", "S4", "S5", "P"]


# --- assessment: payloads ------------------------------------------------------------------------


class ScoredItem(Contract):
    """One checklist item as scored: ``score`` None means not applicable (N/A)."""

    code: str
    pillar: Pillar
    weight: Weight = 1.0
    score: Score | None


class AuditItem(ScoredItem):
    note: str | None = Field(default=None, max_length=2000)
    evidence: tuple[str, ...] = ()


class AuditState(Contract):
    """What an audit says at one revision: enough for a consumer to compute its contribution."""

    revision: int = Field(ge=1)
    period: MonthKey
    performed_at: AwareDatetime
    catalog_version: str
    items: tuple[AuditItem, ...]


class AuditSubmittedData(AuditState):
    audit_id: uuid.UUID
    unit_id: EntityId
    auditor_id: EntityId


class AuditAmendedData(AuditState):
    audit_id: uuid.UUID
    unit_id: EntityId
    auditor_id: EntityId
    reason: str
    replaces: AuditState


class AuditWithdrawnData(Contract):
    audit_id: uuid.UUID
    unit_id: EntityId
    revision: int = Field(ge=2)
    reason: str
    replaces: AuditState


class CorrectiveActionOpenedData(Contract):
    action_id: uuid.UUID
    audit_id: uuid.UUID
    unit_id: EntityId
    item_code: str
    score: Score
    owner_id: EntityId
    due_on: date


class CorrectiveActionClosedData(Contract):
    action_id: uuid.UUID
    audit_id: uuid.UUID
    unit_id: EntityId
    closed_by: EntityId
    note: str
    evidence: tuple[str, ...] = ()
    #: True when the audit itself closed it: withdrawn, or amended so the item is no finding.
    superseded: bool = False


class CorrectiveActionReopenedData(Contract):
    """A closed corrective action found not done after all: it is open again, due anew."""

    action_id: uuid.UUID
    audit_id: uuid.UUID
    unit_id: EntityId
    owner_id: EntityId
    reopened_by: EntityId
    reason: str = Field(min_length=1, max_length=1000)
    due_on: date


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


class FeedbackReceivedData(Contract):
    """A citizen's rating. Anonymous; the free-text comment stays in the assessment database."""

    feedback_id: uuid.UUID
    unit_id: EntityId
    level: int = Field(ge=1, le=5)  # 5 Rất hài lòng .. 1 Rất không hài lòng
    officer_id: EntityId | None = None
    procedure: str | None = Field(default=None, max_length=200)
    channel: Literal["kiosk", "qr"]
    period: MonthKey


class TaskResultRecordedData(Contract):
    person_id: EntityId
    period: MonthKey
    points: float = Field(ge=0, le=70)
    #: A disciplinary measure in the period (from the HR system): Decree 335 then rates the
    #: person "không hoàn thành nhiệm vụ" whatever the points.
    disqualified: bool = False
    #: Who recorded it: the HR integration, or (in a ward without one) the person's unit head.
    #: The last one recorded wins, whoever recorded it; the event's actor says who.
    source: Literal["integration", "unit_head"] = "integration"
    #: Why, in the recorder's words (a unit head must give one).
    note: str | None = Field(default=None, max_length=1000)


class PeriodClosedData(Contract):
    period: MonthKey


class PeriodReopenedData(Contract):
    period: MonthKey
    reason: str


class OrgUnit(Contract):
    unit_id: EntityId
    name: Text


EmploymentType = Literal["cong_chuc", "nguoi_lao_dong"]
#: Decree 335's "groups of officials with similar duties" when the org chart names none.
LEADERS_GROUP = "lanh_dao"
SPECIALISTS_GROUP = "chuyen_mon"
LEADER_ROLES = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.UNIT_HEAD})


class OrgPerson(Contract):
    person_id: EntityId
    full_name: str
    email: str | None = None
    role: Role
    unit_id: EntityId | None
    units_in_charge: tuple[EntityId, ...] = ()
    #: The group of officials with similar duties within which the 20 % cap on "xuất sắc"
    #: applies (Decree 335/2025/NĐ-CP); None: by role, leaders or specialists.
    duty_group: EntityId | None = None
    #: công chức are counted in the cap; người lao động (contract workers) are classified but
    #: not counted.
    employment_type: EmploymentType = "cong_chuc"

    @property
    def group(self) -> str:
        """The duty group the org chart names, else leaders (chairman, vice-chairmen, unit
        heads) or specialists by role."""
        if self.duty_group:
            return self.duty_group
        return LEADERS_GROUP if self.role in LEADER_ROLES else SPECIALISTS_GROUP


class OrgChartPublishedData(Contract):
    """The whole org chart of a ward, republished on every change (notifications routes by it)."""

    version: int = Field(ge=1)
    units: tuple[OrgUnit, ...]
    people: tuple[OrgPerson, ...]


class CalendarDay(Contract):
    """A day the ward's calendar sets apart from Monday-Friday minus public holidays."""

    day: date
    #: True: a make-up working day (a Saturday worked); False: a day off.
    working: bool
    reason: str = Field(default="", max_length=300)


class CalendarPublishedData(Contract):
    """The ward's whole working calendar, republished on every change: the days off and the
    make-up working days that the government's notices or the ward itself declared, on top of
    the public holidays and weekend workdays the ``holidays`` package knows."""

    version: int = Field(ge=1)
    days: tuple[CalendarDay, ...]


# --- assessment: events --------------------------------------------------------------------------


class AssessmentEvent(Event):
    owner = "assessment"


class AuditSubmitted(AssessmentEvent):
    type: Literal["assessment.audit.submitted"] = "assessment.audit.submitted"
    data: AuditSubmittedData


class AuditAmended(AssessmentEvent):
    type: Literal["assessment.audit.amended"] = "assessment.audit.amended"
    data: AuditAmendedData


class AuditWithdrawn(AssessmentEvent):
    type: Literal["assessment.audit.withdrawn"] = "assessment.audit.withdrawn"
    data: AuditWithdrawnData


class CorrectiveActionOpened(AssessmentEvent):
    type: Literal["assessment.corrective_action.opened"] = "assessment.corrective_action.opened"
    data: CorrectiveActionOpenedData


class CorrectiveActionClosed(AssessmentEvent):
    type: Literal["assessment.corrective_action.closed"] = "assessment.corrective_action.closed"
    data: CorrectiveActionClosedData


class CorrectiveActionReopened(AssessmentEvent):
    type: Literal["assessment.corrective_action.reopened"] = "assessment.corrective_action.reopened"
    data: CorrectiveActionReopenedData


class SelfAssessmentSubmitted(AssessmentEvent):
    type: Literal["assessment.self_assessment.submitted"] = "assessment.self_assessment.submitted"
    data: SelfAssessmentSubmittedData


class SelfAssessmentReviewed(AssessmentEvent):
    type: Literal["assessment.self_assessment.reviewed"] = "assessment.self_assessment.reviewed"
    data: SelfAssessmentReviewedData


class FeedbackReceived(AssessmentEvent):
    type: Literal["assessment.feedback.received"] = "assessment.feedback.received"
    data: FeedbackReceivedData


class TaskResultRecorded(AssessmentEvent):
    type: Literal["assessment.task_result.recorded"] = "assessment.task_result.recorded"
    data: TaskResultRecordedData


class PeriodClosed(AssessmentEvent):
    type: Literal["assessment.period.closed"] = "assessment.period.closed"
    data: PeriodClosedData


class PeriodReopened(AssessmentEvent):
    type: Literal["assessment.period.reopened"] = "assessment.period.reopened"
    data: PeriodReopenedData


class OrgChartPublished(AssessmentEvent):
    type: Literal["assessment.org.published"] = "assessment.org.published"
    data: OrgChartPublishedData


class CalendarPublished(AssessmentEvent):
    type: Literal["assessment.calendar.published"] = "assessment.calendar.published"
    data: CalendarPublishedData


# --- scoring -------------------------------------------------------------------------------------

SubjectKind = Literal["unit", "person"]


class PillarScore(Contract):
    pillar: Pillar
    percent: float | None  # None when every item was N/A or nothing was scored
    scored_items: int
    na_items: int


class ScoreData(Contract):
    subject_kind: SubjectKind
    subject_id: EntityId
    unit_id: EntityId
    period: str  # YYYY-MM, YYYY-Qn or YYYY
    pillars: tuple[PillarScore, ...] = ()
    total_percent: float | None = None
    #: For people: the Decree 335 score on 100 points.
    points: float | None = None
    late: bool = False
    policy_version: str
    #: For units: citizen satisfaction % (mean of 100/75/50/25/0) and how many ratings it pools.
    satisfaction_percent: float | None = None
    ratings: int = 0


class ScoreUpdated(Event):
    owner = "scoring"
    type: Literal["scoring.score.updated"] = "scoring.score.updated"
    data: ScoreData


class ScoreFinalized(Event):
    owner = "scoring"
    type: Literal["scoring.score.finalized"] = "scoring.score.finalized"
    data: ScoreData


class LowScoreData(Contract):
    subject_kind: SubjectKind
    subject_id: EntityId
    unit_id: EntityId
    period: str
    #: What crossed: "total", a pillar code ("S1".."S5", "P"), "satisfaction", "points", or
    #: "dissatisfaction_spike" (``value`` "Rất không hài lòng" ratings for the unit on ``day``,
    #: reaching ``threshold``; announced once per unit and day, never recovered).
    metric: str
    value: float
    threshold: float
    final: bool
    policy_version: str
    day: date | None = None


class LowScoreDetected(Event):
    owner = "scoring"
    type: Literal["scoring.low_score.detected"] = "scoring.low_score.detected"
    data: LowScoreData


class LowScoreRecovered(Event):
    owner = "scoring"
    type: Literal["scoring.low_score.recovered"] = "scoring.low_score.recovered"
    data: LowScoreData


class Classification(Contract):
    person_id: EntityId
    unit_id: EntityId
    points: float
    band: Literal["xuat_sac", "tot", "hoan_thanh", "khong_hoan_thanh"]
    quota_demoted: bool = False  # lost "xuất sắc" to the 20% cap
    tie_at_cap: bool = False
    provisional: bool = False  # no task result arrived
    income_share: float  # 1.0, 0.8 or 0.0 of the maximum
    income_coefficient: float


class ClassificationComputedData(Contract):
    period: str
    policy_version: str
    people: tuple[Classification, ...]


class ClassificationComputed(Event):
    owner = "scoring"
    type: Literal["scoring.classification.computed"] = "scoring.classification.computed"
    data: ClassificationComputedData


# --- notifications -------------------------------------------------------------------------------


class AlertData(Contract):
    alert_id: uuid.UUID
    rule: str
    subject_id: EntityId
    period: str
    recipient_id: EntityId
    severity: Literal["info", "warning", "critical"] = "warning"
    channel: str | None = None
    escalation_level: int = 0
    note: str | None = None


class NotificationEvent(Event):
    owner = "notifications"
    data: AlertData


class AlertRaised(NotificationEvent):
    type: Literal["notifications.alert.raised"] = "notifications.alert.raised"


class AlertDelivered(NotificationEvent):
    type: Literal["notifications.alert.delivered"] = "notifications.alert.delivered"


class AlertAcknowledged(NotificationEvent):
    type: Literal["notifications.alert.acknowledged"] = "notifications.alert.acknowledged"


class AlertEscalated(NotificationEvent):
    type: Literal["notifications.alert.escalated"] = "notifications.alert.escalated"


class AlertResolved(NotificationEvent):
    type: Literal["notifications.alert.resolved"] = "notifications.alert.resolved"


# --- the registry ---------------------------------------------------------------------------------

EVENT_TYPES: tuple[type[Event], ...] = (
    AuditSubmitted,
    AuditAmended,
    AuditWithdrawn,
    CorrectiveActionOpened,
    CorrectiveActionClosed,
    CorrectiveActionReopened,
    SelfAssessmentSubmitted,
    SelfAssessmentReviewed,
    FeedbackReceived,
    TaskResultRecorded,
    PeriodClosed,
    PeriodReopened,
    OrgChartPublished,
    CalendarPublished,
    ScoreUpdated,
    ScoreFinalized,
    LowScoreDetected,
    LowScoreRecovered,
    ClassificationComputed,
    AlertRaised,
    AlertDelivered,
    AlertAcknowledged,
    AlertEscalated,
    AlertResolved,
)

EVENT_BY_TYPE: dict[str, type[Event]] = {
    cls.model_fields["type"].default: cls for cls in EVENT_TYPES
}

AnyEvent = Annotated[
    AuditSubmitted
    | AuditAmended
    | AuditWithdrawn
    | CorrectiveActionOpened
    | CorrectiveActionClosed
    | CorrectiveActionReopened
    | SelfAssessmentSubmitted
    | SelfAssessmentReviewed
    | FeedbackReceived
    | TaskResultRecorded
    | PeriodClosed
    | PeriodReopened
    | OrgChartPublished
    | CalendarPublished
    | ScoreUpdated
    | ScoreFinalized
    | LowScoreDetected
    | LowScoreRecovered
    | ClassificationComputed
    | AlertRaised
    | AlertDelivered
    | AlertAcknowledged
    | AlertEscalated
    | AlertResolved,
    Field(discriminator="type"),
]

#: Parses any event from JSON bytes; raises ``pydantic.ValidationError`` on a bad message.
EVENT_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


def event_type_name(cls: type[Event]) -> str:
    return str(cls.model_fields["type"].default)


def parse_event(raw: bytes | str) -> Event:
    return EVENT_ADAPTER.validate_json(raw)
