"""Assessment's events about citizens: a rating received, and the call-back owed to a
dissatisfied citizen who left a contact."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import Field

from contracts.common import Contract, EntityId
from contracts.events.common import AssessmentEvent
from contracts.periods import MonthKey


class CitizenFollowUpData(Contract):
    """A call-back owed to a dissatisfied citizen who left a contact (never the contact
    itself, nor the rating's comment): opened for the unit head, done with its outcome."""

    follow_up_id: uuid.UUID
    feedback_id: uuid.UUID
    unit_id: EntityId
    owner_id: EntityId
    due_on: date
    done_by: EntityId | None = None


class FeedbackReceivedData(Contract):
    """A citizen's rating. Anonymous; the free-text comment stays in the assessment database."""

    feedback_id: uuid.UUID
    unit_id: EntityId
    level: int = Field(ge=1, le=5)  # 5 Rất hài lòng .. 1 Rất không hài lòng
    officer_id: EntityId | None = None
    procedure: str | None = Field(default=None, max_length=200)
    channel: Literal["kiosk", "qr"]
    period: MonthKey


class CitizenFollowUpOpened(AssessmentEvent):
    type: Literal["assessment.citizen_follow_up.opened"] = "assessment.citizen_follow_up.opened"
    data: CitizenFollowUpData


class CitizenFollowUpDone(AssessmentEvent):
    type: Literal["assessment.citizen_follow_up.done"] = "assessment.citizen_follow_up.done"
    data: CitizenFollowUpData


class FeedbackReceived(AssessmentEvent):
    type: Literal["assessment.feedback.received"] = "assessment.feedback.received"
    data: FeedbackReceivedData
