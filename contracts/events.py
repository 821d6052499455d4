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
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, ConfigDict, Field, TypeAdapter

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
    #: Photos uploaded as evidence (``POST /v1/evidence`` on assessment), by id.
    evidence_ids: tuple[uuid.UUID, ...] = ()


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


class CitizenFollowUpData(Contract):
    """A call-back owed to a dissatisfied citizen who left a contact (never the contact
    itself, nor the rating's comment): opened for the unit head, done with its outcome."""

    follow_up_id: uuid.UUID
    feedback_id: uuid.UUID
    unit_id: EntityId
    owner_id: EntityId
    due_on: date
    done_by: EntityId | None = None


class CampaignPublishedData(Contract):
    """A dated campaign (e.g. "Ngày xanh lần thứ I") and the codes of its own checklist."""

    campaign_id: uuid.UUID
    title: str
    starts_on: date
    ends_on: date
    items: tuple[str, ...]


class CampaignScore(Contract):
    code: str
    score: Score | None


class CampaignAuditedData(Contract):
    """A unit audited against a campaign's checklist: apart from the monthly 5S figures."""

    campaign_id: uuid.UUID
    audit_id: uuid.UUID
    unit_id: EntityId
    items: tuple[CampaignScore, ...]


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
    #: Who recorded it: the HR integration, or (in a ward without one) the leader who reviews
    #: the person's "+" self-assessment (their unit head; for a unit head, the vice-chairman in
    #: charge or the chairman). The last one recorded wins; the event's actor says who.
    source: Literal["integration", "leader"] = "integration"
    #: Why, in the recorder's words (a leader must give one).
    note: str | None = Field(default=None, max_length=1000)


class PeriodClosedData(Contract):
    period: MonthKey


class PeriodReopenedData(Contract):
    period: MonthKey
    reason: str
    #: The last day the month stays open (the ward's local date): it closes again by itself
    #: after it (``assessment.period.closed`` by the system). None in events recorded before.
    closes_on: date | None = None


#: What an administrator did (issue 14, item 5): every such action is recorded with its actor
#: (the envelope's) and reason, and the chairman reads them.
AdminAction = Literal[
    "org_chart.loaded",
    "device.registered",
    "credential.issued",
    "credential.revoked",
    "catalog.published",
    "period.closed",
    "period.reopened",
    "calendar.day_declared",
    "calendar.day_removed",
    "invitation.issued",
    "feedback.released",
]


class AdminActionRecordedData(Contract):
    action: AdminAction
    #: What it was done to: the org chart's version, a device id, a catalogue version, a month,
    #: a day.
    subject: str
    reason: str | None = None
    #: What else says what was done (e.g. ``{"people": "38"}``, ``{"active": "false"}``).
    details: dict[str, str] = Field(default_factory=dict)


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


class DutyGroup(Contract):
    """A group of officials with similar duties the ward's org chart names (``OrgPerson``'s
    ``duty_group``), with the name pages and exports show for it; the id stays the key."""

    group_id: EntityId
    name: Text


class OrgChartPublishedData(Contract):
    """The whole org chart of a ward, republished on every change (notifications routes by it)."""

    version: int = Field(ge=1)
    units: tuple[OrgUnit, ...]
    people: tuple[OrgPerson, ...]
    #: The duty groups the people's ``duty_group`` names, with their names (schema version 2;
    #: version 1 had none: its groups show as their ids until the next chart).
    duty_groups: tuple[DutyGroup, ...] = ()
    #: The ward's name as its administrator loaded it (a city's comparison shows it).
    ward_name: str | None = Field(default=None, max_length=200)
    #: The city the ward belongs to, as its administrator declared it on the chart's load:
    #: that city's officials (role ``city``) may read the ward's figures on scoring.
    city: EntityId | None = None


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


class CitizenFollowUpOpened(AssessmentEvent):
    type: Literal["assessment.citizen_follow_up.opened"] = "assessment.citizen_follow_up.opened"
    data: CitizenFollowUpData


class CitizenFollowUpDone(AssessmentEvent):
    type: Literal["assessment.citizen_follow_up.done"] = "assessment.citizen_follow_up.done"
    data: CitizenFollowUpData


class CampaignPublished(AssessmentEvent):
    type: Literal["assessment.campaign.published"] = "assessment.campaign.published"
    data: CampaignPublishedData


class CampaignAudited(AssessmentEvent):
    type: Literal["assessment.campaign.audited"] = "assessment.campaign.audited"
    data: CampaignAuditedData


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
    """Version 2 names the chart's duty groups (``duty_groups``); version 1, without them, is
    still read (a chart the previous release published)."""

    readable_versions: ClassVar[frozenset[int]] = frozenset({1, 2})
    type: Literal["assessment.org.published"] = "assessment.org.published"
    schema_version: int = 2
    data: OrgChartPublishedData


class CalendarPublished(AssessmentEvent):
    type: Literal["assessment.calendar.published"] = "assessment.calendar.published"
    data: CalendarPublishedData


class AdminActionRecorded(AssessmentEvent):
    type: Literal["assessment.admin.action_recorded"] = "assessment.admin.action_recorded"
    data: AdminActionRecordedData


SignInLinkPurpose = Literal["invitation", "reset"]


class SignInLinkIssuedData(Contract):
    """A one-time link for a person to set their password, for notifications to e-mail. The
    link itself travels only ``sealed`` (Fernet, with the key assessment and notifications share,
    ``WARD5S_SIGN_IN_MAIL_KEY``): the stream keeps this event, never a usable secret in clear
    (docs/SECURITY.md, "How the link reaches the person")."""

    person_id: EntityId
    purpose: SignInLinkPurpose
    #: After this moment the link is refused: notifications sends nothing once it has passed.
    expires_at: AwareDatetime
    #: ``{"link", "email", "full_name"}`` as JSON, sealed.
    sealed: str


class SignInLinkIssued(AssessmentEvent):
    type: Literal["assessment.sign_in.link_issued"] = "assessment.sign_in.link_issued"
    data: SignInLinkIssuedData


#: The files a period report is issued as (the workbook and the printable A4 PDF).
ReportMediaType = Literal[
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
]


class ReportFile(Contract):
    """One file of a period report, kept in the ``REPORTS`` object store bucket
    (``contracts.streams.REPORTS``): the event names it, the bucket holds it, so the stream
    carries facts, not files."""

    #: The file's name as the committee's mail attaches it ("bao-cao-5s-2026-10.pdf").
    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9.-]+$")]
    media_type: ReportMediaType
    #: The object in the bucket: ``<ward>/<period>/<sha256>.<pdf|xlsx>`` (named by its content,
    #: so two instances storing one file store the same object).
    object_name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_./-]+$")]
    #: Its length in bytes.
    size: Annotated[int, Field(ge=1)]
    #: Its SHA-256, lowercase hex: the reader checks the bytes it fetched against it.
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class InlineReportFile(Contract):
    """A file of a period report as version 1 of ``assessment.report.issued`` carried it: its
    bytes inside the event (base64 in JSON). Still read, so a report issued by the release
    before the REPORTS bucket is mailed once; never emitted any more."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64"
    )

    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9.-]+$")]
    media_type: ReportMediaType
    content: bytes


class PeriodReportIssuedData(Contract):
    """The period report of a month, quarter or year, made once its figures are final (scoring
    has folded the period's close), for notifications to e-mail to the ward committee. Unit
    figures only: no person is named in it. Revision 1 is the first report; a later revision
    is the corrected report of a period reopened and closed again whose figures changed
    (assessment's README, "The period report")."""

    #: ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``.
    period: str
    title: Text
    #: The files in the REPORTS bucket (version 2); inline only in a version 1 event.
    files: tuple[ReportFile | InlineReportFile, ...]
    #: 1 for the report first issued, 2 and on for each corrected one (báo cáo điều chỉnh).
    revision: Annotated[int, Field(ge=1)] = 1


class PeriodReportIssued(AssessmentEvent):
    """Version 2: the files are named in the ``REPORTS`` bucket with their size and digest.
    Version 1 carried them inline (``InlineReportFile``) and had no revision; it is still read
    (a report the previous release issued, not yet mailed when this one started)."""

    readable_versions: ClassVar[frozenset[int]] = frozenset({1, 2})
    type: Literal["assessment.report.issued"] = "assessment.report.issued"
    schema_version: int = 2
    data: PeriodReportIssuedData


class CredentialsRevokedData(Contract):
    """Credentials of a person or device revoked before the tokens minted from them expire: a
    person's sessions (signed out, a refresh token replayed, a password set, the person moved or
    removed by an org chart load) or a device's credential (deactivated, rotated). Every service
    refuses a token whose ``sid`` is one of them (docs/SECURITY.md, "Revoking")."""

    subject_id: EntityId
    #: The token claim ``sid`` of each credential revoked.
    credential_ids: tuple[Annotated[str, Field(min_length=1, max_length=64)], ...]
    #: When the last token minted from them expires: the services forget them after it.
    until: AwareDatetime


class CredentialsRevoked(AssessmentEvent):
    type: Literal["assessment.credential.revoked"] = "assessment.credential.revoked"
    data: CredentialsRevokedData


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
    #: For units: the share of satisfied citizens, % (tỷ lệ hài lòng: "Rất hài lòng" and "Hài
    #: lòng" over all ratings, as SIPAS reports it; the figure alerted on), the satisfaction
    #: index (chỉ số hài lòng: the mean of 100/75/50/25/0) and how many ratings they pool.
    satisfaction_percent: float | None = None
    satisfaction_index: float | None = None
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
    #: "satisfaction" is the share of satisfied citizens (%).
    metric: str
    #: The figure at full precision (the comparison was made exactly; round it for display).
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


Band = Literal["xuat_sac", "tot", "hoan_thanh", "khong_hoan_thanh"]
#: Why a person-period is not classified: a month of it without the task result, or without an
#: approved "+" review.
MissingPart = Literal["task_points", "plus_review"]
#: ``classified``: a band; ``not_classified``: "chưa đủ dữ liệu để xếp loại" (a part is missing,
#: see ``missing``); ``pending_decision``: "chờ Chủ tịch quyết định" (tied at the edge of the
#: 20 % cap on "xuất sắc", until the chairman's decision).
ClassificationStatus = Literal["classified", "not_classified", "pending_decision"]
QuotaBase = Literal["tot_only", "tot_or_better"]


class MonthGap(Contract):
    """A month of the period that keeps the person from being classified, and what it lacks."""

    month: MonthKey
    missing: tuple[MissingPart, ...]


class Classification(Contract):
    person_id: EntityId
    #: The person's unit (None for someone of the org chart with none, e.g. the chairman).
    unit_id: EntityId | None = None
    #: The Decree 335 score on 100 points, rounded for display (the band is decided on the exact
    #: score); None when a part is missing.
    points: float | None = None
    status: ClassificationStatus = "classified"
    #: None unless ``status`` is ``classified``.
    band: Band | None = None
    #: What is missing over the period, and which month lacks what (``not_classified``).
    missing: tuple[MissingPart, ...] = ()
    gaps: tuple[MonthGap, ...] = ()
    #: Months whose unit was not audited: the general criteria came from the "+" alone.
    unit_not_audited: tuple[MonthKey, ...] = ()
    #: A disciplinary measure in the period: "không hoàn thành" whatever the points or gaps.
    disqualified: bool = False
    #: The group of officials with similar duties, and the employment type, from the org chart.
    duty_group: str | None = None
    employment_type: EmploymentType = "cong_chuc"
    #: Counted in the base of the 20 % cap on "xuất sắc": a công chức rated "tốt" or "xuất sắc"
    #: by their score (so not one disqualified); the group's ``QuotaGroup.base`` counts exactly
    #: these.
    counted_in_quota: bool = False
    quota_demoted: bool = False  # lost "xuất sắc" to the 20% cap
    tie_at_cap: bool = False  # tied with others at the edge of the cap
    #: The band at the edge of the cap was the chairman's decision.
    decided_by_chairman: bool = False
    provisional: bool = False  # not classified yet: a part has not arrived
    #: Share of the maximum additional income paid, and the coefficient; None without a band.
    income_share: float | None = None
    income_coefficient: float | None = None


class QuotaGroup(Contract):
    """The 20 % cap in one group of officials with similar duties: the base it is a share of,
    the most who may be "xuất sắc", who are, and who wait for the chairman."""

    duty_group: str
    base: int
    quota: int
    excellent: int
    pending: int = 0


class ClassificationComputedData(Contract):
    period: str
    policy_version: str
    people: tuple[Classification, ...]
    #: How the cap's base was read (policy): 20 % of those at "tốt" after the cap, or of those
    #: rated "tốt" or "xuất sắc".
    quota_base: QuotaBase = "tot_or_better"
    quota_share: float = 0.2
    quotas: tuple[QuotaGroup, ...] = ()
    #: The most a "tốt" may be paid, as a share of the maximum (Decision 20/2024/QĐ-UBND: "tối
    #: đa 80%"); what is paid is each person's ``income_share``.
    tot_income_cap: float = 0.8


class ClassificationComputed(Event):
    owner = "scoring"
    type: Literal["scoring.classification.computed"] = "scoring.classification.computed"
    data: ClassificationComputedData


class ClassificationDecidedData(Contract):
    """The chairman's call on people tied at the edge of the cap, in one duty group: those named
    keep "xuất sắc", the others tied with them are "tốt"."""

    period: str
    duty_group: str
    excellent: tuple[EntityId, ...]
    note: str | None = Field(default=None, max_length=1000)


class ClassificationDecided(Event):
    owner = "scoring"
    type: Literal["scoring.classification.decided"] = "scoring.classification.decided"
    data: ClassificationDecidedData


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
    PeriodReviewWritten,
    PeriodReviewAcknowledged,
    ReviewFollowUpClosed,
    InitiativeProposed,
    InitiativeDecided,
    CitizenFollowUpOpened,
    CitizenFollowUpDone,
    CampaignPublished,
    CampaignAudited,
    FeedbackReceived,
    TaskResultRecorded,
    PeriodClosed,
    PeriodReopened,
    OrgChartPublished,
    CalendarPublished,
    AdminActionRecorded,
    SignInLinkIssued,
    CredentialsRevoked,
    PeriodReportIssued,
    ScoreUpdated,
    ScoreFinalized,
    LowScoreDetected,
    LowScoreRecovered,
    ClassificationComputed,
    ClassificationDecided,
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
    | PeriodReviewWritten
    | PeriodReviewAcknowledged
    | ReviewFollowUpClosed
    | InitiativeProposed
    | InitiativeDecided
    | CitizenFollowUpOpened
    | CitizenFollowUpDone
    | CampaignPublished
    | CampaignAudited
    | FeedbackReceived
    | TaskResultRecorded
    | PeriodClosed
    | PeriodReopened
    | OrgChartPublished
    | CalendarPublished
    | AdminActionRecorded
    | SignInLinkIssued
    | CredentialsRevoked
    | PeriodReportIssued
    | ScoreUpdated
    | ScoreFinalized
    | LowScoreDetected
    | LowScoreRecovered
    | ClassificationComputed
    | ClassificationDecided
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
