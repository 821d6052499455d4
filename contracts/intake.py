"""The request bodies a front-end sends to the assessment service, by HTTP or by the NATS intake
(``ward5s.<ward>.intake.<kind>``, request-reply): strict (unknown fields refused, flags only JSON
booleans, numbers only JSON numbers) and bounded. A command that HTTP addresses by path
(``/audits/{id}/amend``) takes the id in its intake body instead; the ``...Command`` models add
it. :data:`INTAKE_KINDS` names the intake subject of each body; the JSON Schemas generated from
these models are under ``contracts/schemas/intake/`` (``python -m tools.schemas``).

(Over 400 lines on purpose: one strict, bounded body per command of the one intake, nothing but
declarations.)"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from contracts.common import Body, EntityId
from contracts.labels import LEVEL_LABELS
from contracts.periods import MonthKey
from contracts.text import NFC, STRIPPED

Note = Annotated[str, StringConstraints(max_length=2000), NFC]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=1000), NFC]
#: A piece of evidence named in text: an ``https://`` link with a host, or a name with no
#: scheme at all (``photo-17.jpg``, ``ho-so/bien-ban-03``: a document of the ward's own store,
#: never a link elsewhere). ``javascript:``, ``data:``, ``http:`` and ``//host`` links are
#: refused (422 ``bad_format``): a page showing the evidence must never run or fetch them.
EVIDENCE_PATTERN = r"^(https://[^\s/?#@\\]+(?:[/?#][^\s\\]*)?|[^\s:/\\][^:\\\r\n\t]*)$"
EvidenceRef = Annotated[
    str, StringConstraints(min_length=1, max_length=500, pattern=EVIDENCE_PATTERN), NFC
]
ItemCode = Annotated[str, StringConstraints(min_length=1, max_length=16), NFC]
# FastAPI validates the parsed body as Python data, where pydantic's lax mode takes "yes", 1 or
# "true" for a flag and "65" or true for a number; on fields that decide pay, only the JSON type
# itself is accepted (422 with the field otherwise). Not the whole model strict: dates and
# datetimes arrive as ISO strings and must still be parsed.
#: A JSON boolean only.
Flag = Annotated[bool, Field(strict=True)]
#: A JSON integer only.
WholeNumber = Annotated[int, Field(strict=True)]
#: A JSON number only (an integer is a number too), finite.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Score = Annotated[WholeNumber, Field(ge=0, le=4)]
CatalogVersion = Annotated[str, StringConstraints(max_length=32), NFC]


class AuditItemIn(Body):
    code: ItemCode
    score: Score | None = Field(
        description="0–4 by the written anchors, or null for not applicable (N/A)"
    )
    note: Note | None = None
    evidence: list[EvidenceRef] = Field(
        default_factory=list, max_length=20, description="Links to documents, as text"
    )
    evidence_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=20,
        description="Photos uploaded by the auditor (POST /v1/evidence), by the id it answered; "
        "each must be theirs, of the ward, and cited by no other audit",
    )
    owner_id: EntityId | None = Field(
        default=None,
        description="Who corrects a finding (score 0–1) on this item; default: the unit head",
    )


class AuditIn(Body):
    unit_id: EntityId
    period: MonthKey = Field(description="YYYY-MM, the month the audit was performed in")
    performed_at: AwareDatetime
    catalog_version: CatalogVersion
    items: list[AuditItemIn] = Field(max_length=200)


class AuditAmendIn(Body):
    items: list[AuditItemIn] = Field(max_length=200, description="The full new list of items")
    reason: Reason


class AuditAmendCommand(AuditAmendIn):
    audit_id: uuid.UUID


class ReasonIn(Body):
    reason: Reason


class AuditWithdrawCommand(ReasonIn):
    audit_id: uuid.UUID


class AuditOut(BaseModel):
    audit_id: str
    revision: int
    unit_id: str
    period: str
    status: str
    corrective_actions: list[str] = Field(description="Corrective actions this change opened")


class ActionCloseIn(Body):
    note: Annotated[str, StringConstraints(min_length=1, max_length=2000), NFC]
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=20)


class ActionCloseCommand(ActionCloseIn):
    action_id: uuid.UUID


class ActionReopenIn(Body):
    reason: Reason
    due_on: date | None = Field(
        default=None,
        description="The new due date (after today); default: the policy's working days from "
        "today (10) in the ward's calendar",
    )


class ActionReopenCommand(ActionReopenIn):
    action_id: uuid.UUID


class PlusItemIn(Body):
    code: ItemCode
    score: Score | None


class SelfAssessmentIn(Body):
    period: MonthKey
    catalog_version: CatalogVersion | None = Field(
        default=None, description="Default: the current catalogue"
    )
    items: list[PlusItemIn] = Field(max_length=50)


class ReviewIn(Body):
    outcome: Literal["approved", "adjusted", "returned"]
    reason: Annotated[str, StringConstraints(max_length=1000), NFC] | None = Field(
        default=None, description="Required to adjust or return"
    )
    items: list[PlusItemIn] | None = Field(
        default=None, max_length=50, description="The adjusted scores (only to adjust)"
    )


class ReviewCommand(ReviewIn):
    self_assessment_id: uuid.UUID


#: A period a unit reviews: a month ``YYYY-MM``, a quarter ``YYYY-Qn`` or a year ``YYYY``.
PeriodKey = Annotated[str, StringConstraints(pattern=r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")]
#: What a person writes of a period or an initiative, kept stripped.
Account = Annotated[str, StringConstraints(min_length=1, max_length=4000), NFC, STRIPPED]


class FollowUpIn(Body):
    task: Annotated[Reason, STRIPPED]
    owner_id: EntityId = Field(description="Who does it: a person of the ward")
    due_on: date = Field(description="By when (a local date after today)")


class PeriodReviewIn(Body):
    unit_id: EntityId
    period: PeriodKey = Field(description="YYYY-MM, YYYY-Qn or YYYY: the period reviewed")
    went_well: Account = Field(description="What went well (kết quả đạt được)")
    went_badly: Account = Field(description="What did not (tồn tại, hạn chế)")
    lessons: Account = Field(description="Lessons drawn (bài học kinh nghiệm)")
    follow_ups: list[FollowUpIn] = Field(default_factory=list, max_length=30)


class PeriodReviewAckIn(Body):
    note: Note | None = None


class PeriodReviewAckCommand(PeriodReviewAckIn):
    review_id: uuid.UUID


class FollowUpCloseCommand(ActionCloseIn):
    follow_up_id: uuid.UUID


class InitiativeIn(Body):
    title: Annotated[str, StringConstraints(min_length=1, max_length=300), NFC, STRIPPED]
    problem: Account = Field(description="The problem it addresses (thực trạng, vấn đề)")
    proposal: Account = Field(description="What is proposed (giải pháp đề xuất)")
    expected_effect: Account = Field(description="The effect expected (hiệu quả dự kiến)")
    by_unit: Flag = Field(
        default=False, description="Proposed by the unit (its head submits it), not a person"
    )


class InitiativeDecisionIn(Body):
    status: Literal["accepted", "piloting", "adopted", "rejected"]
    reason: Note | None = Field(default=None, description="Required to reject")
    measured_effect: Note | None = Field(
        default=None, description="What an adopted initiative was found to achieve"
    )


class InitiativeDecisionCommand(InitiativeDecisionIn):
    initiative_id: uuid.UUID


#: A single-use rating code as printed on a receipt or shown at the counter (``K7MX-4PQR``);
#: letters are taken in either case, dashes and spaces ignored.
RatingCode = Annotated[
    str, StringConstraints(min_length=4, max_length=20, pattern=r"^[A-Za-z0-9 -]+$")
]


#: A citizen's phone number (digits, spaces, dots, dashes, a leading +) or e-mail address.
Contact = Annotated[
    str,
    StringConstraints(
        min_length=6,
        max_length=200,
        strip_whitespace=True,
        pattern=r"^(\+?[0-9][0-9 .\-]{5,19}|[^@\s]{1,64}@[^@\s]+\.[^@\s]+)$",
    ),
    NFC,
]


class CampaignItemIn(Body):
    code: ItemCode | None = Field(default=None, description="A catalogue item, drawn from it")
    text: Reason | None = Field(default=None, description="Or an item written for the campaign")


class CampaignIn(Body):
    title: Annotated[str, StringConstraints(min_length=1, max_length=200), NFC, STRIPPED]
    starts_on: date
    ends_on: date
    items: list[CampaignItemIn] = Field(min_length=1, max_length=30)


class CampaignAuditIn(Body):
    unit_id: EntityId
    performed_at: AwareDatetime = Field(description="Within the campaign's dates (Vietnam time)")
    items: list[PlusItemIn] = Field(max_length=30, description="Every item once, 0-4 or null")
    note: Note | None = None
    evidence_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=20,
        description="Photos the auditor uploaded (POST /v1/evidence), cited by no other audit",
    )


class CampaignAuditCommand(CampaignAuditIn):
    campaign_id: uuid.UUID


class CitizenFollowUpDoneIn(Body):
    note: Annotated[str, StringConstraints(min_length=1, max_length=2000), NFC] = Field(
        description="The outcome of the call-back (kết quả liên hệ lại)"
    )


class CitizenFollowUpDoneCommand(CitizenFollowUpDoneIn):
    follow_up_id: uuid.UUID


class FeedbackIn(Body):
    unit_id: EntityId
    level: Annotated[WholeNumber, Field(ge=1, le=5)] = Field(
        description=", ".join(f"{level} {text.vi}" for level, text in LEVEL_LABELS.items())
    )
    officer_id: EntityId | None = None
    procedure: Annotated[str, StringConstraints(min_length=1, max_length=200), NFC] | None = None
    comment: Annotated[str, StringConstraints(max_length=1000), NFC] | None = Field(
        default=None, description="Kept in the ward's database; never published nor logged"
    )
    captured_at: AwareDatetime | None = Field(
        default=None,
        description="When the citizen gave the rating (ISO 8601 with its offset), kept by a "
        "kiosk or QR page that sends it later: the month and the day it counts in (Vietnam "
        "time). Not in the future (beyond the policy's clock skew, 2 minutes by default), no "
        "older than the policy allows (7 days by default), "
        "in a month still open. Default: when it arrives",
    )
    code: RatingCode | None = Field(
        default=None,
        description="A single-use rating code of the unit (POST /v1/rating-codes), printed on "
        "the citizen's receipt or shown at the counter: accepted once, it proves a visit, so "
        "the rating is counted whatever the device's pace",
    )
    contact: Contact | None = Field(
        default=None,
        description="A phone number or e-mail address the citizen gives, optionally, to be "
        "called back about a 'Không hài lòng' or 'Rất không hài lòng' rating; kept apart from "
        "the rating, never published nor logged, erased after the policy's retention",
    )
    contact_consent: Flag = Field(
        default=False, description="The citizen agrees to be contacted (required with contact)"
    )


class HeldReleaseIn(Body):
    """Count, after review, a unit's ratings of an open month that were held for review (all of
    them, or one device's): an administrator's decision, with its reason."""

    period: MonthKey
    unit_id: EntityId
    device_id: EntityId | None = None
    reason: Reason


class RatingCodesIn(Body):
    """Single-use rating codes for a unit's counter, to print on receipts or show."""

    unit_id: EntityId
    count: Annotated[WholeNumber, Field(ge=1, le=200)] = 1


class TaskResultIn(Body):
    person_id: EntityId
    period: MonthKey
    points: Annotated[Number, Field(ge=0, le=70)]
    disqualified: Flag = Field(
        default=False,
        description="A disciplinary measure in the period: rated the lowest band whatever the "
        "points (Decree 335/2025/NĐ-CP)",
    )
    note: Annotated[str, StringConstraints(max_length=1000), NFC] | None = Field(
        default=None,
        description="Where the points come from; required when a unit head records them",
    )


class PeriodCloseCommand(Body):
    period: MonthKey


class PeriodReopenIn(ReasonIn):
    closes_on: date | None = Field(
        default=None,
        description="The last day the reopened month stays open (local date, after today); "
        "it then closes again by itself. Default: 2 working days from today in the ward's "
        "calendar",
    )


class PeriodReopenCommand(PeriodReopenIn):
    period: MonthKey


class CalendarDayIn(Body):
    working: Flag = Field(
        description="true: a make-up working day (a weekend day or holiday worked); false: a "
        "day off"
    )
    reason: Annotated[str, StringConstraints(min_length=1, max_length=300), NFC] = Field(
        description="The government notice or the ward's decision"
    )


class CalendarDayCommand(CalendarDayIn):
    day: date


class CalendarRemoveCommand(Body):
    day: date


class DeviceIn(Body):
    role: Literal["kiosk", "integration"]
    channel: Literal["kiosk", "qr"] = "kiosk"
    unit_id: EntityId | None = None
    label_vi: Annotated[str, StringConstraints(min_length=1, max_length=200), NFC]
    label_en: Annotated[str, StringConstraints(min_length=1, max_length=200), NFC]
    active: Flag = True


#: The intake subject's last tokens (``ward5s.<ward>.intake.<kind>``) of each body a front-end
#: may submit over NATS; the others are HTTP only (path-addressed parts, admin uploads).
INTAKE_KINDS: Mapping[type[Body], str] = {
    AuditIn: "audit",
    AuditAmendCommand: "audit.amend",
    AuditWithdrawCommand: "audit.withdraw",
    ActionCloseCommand: "corrective_action.close",
    ActionReopenCommand: "corrective_action.reopen",
    SelfAssessmentIn: "self_assessment",
    ReviewCommand: "self_assessment.review",
    PeriodReviewIn: "period_review",
    PeriodReviewAckCommand: "period_review.acknowledge",
    FollowUpCloseCommand: "review_follow_up.close",
    InitiativeIn: "initiative",
    InitiativeDecisionCommand: "initiative.decide",
    CitizenFollowUpDoneCommand: "citizen_follow_up.done",
    CampaignAuditCommand: "campaign.audit",
    FeedbackIn: "feedback",
    TaskResultIn: "task_result",
    PeriodCloseCommand: "period.close",
    PeriodReopenCommand: "period.reopen",
    CalendarDayCommand: "calendar.declare",
    CalendarRemoveCommand: "calendar.remove",
}
