"""Assessment's events about audits: an audit submitted, amended or withdrawn, the corrective
actions its findings open, and the campaigns audited against a checklist of their own."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import AwareDatetime, Field

from contracts.common import Contract, EntityId
from contracts.events.common import AssessmentEvent, Score, ScoredItem
from contracts.periods import MonthKey


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


class CampaignPublished(AssessmentEvent):
    type: Literal["assessment.campaign.published"] = "assessment.campaign.published"
    data: CampaignPublishedData


class CampaignAudited(AssessmentEvent):
    type: Literal["assessment.campaign.audited"] = "assessment.campaign.audited"
    data: CampaignAuditedData
