"""Every event of ward5s.

Assessment owns the facts, scoring owns the numbers, notifications owns who was told what. Each
event type is ``<context>.<entity>.<verb>``; its subject is ``ward5s.<ward>.<type>``.

Corrections are events too: an amendment or withdrawal carries its ``revision`` (the audit's
version number, 1 for the first submission) so a consumer can apply them in any order and keep
the newest, and it carries what it replaces.

The events live by publisher and aggregate (``audits``, ``programme``, ``citizens``, ``org``,
``periods``, ``scoring``, ``notifications``; ``common`` holds what assessment's share); this
module re-exports every name of them, so ``from contracts.events import X`` names any, and keeps
the registry: a new event is declared in its module and listed once in ``EVENT_TYPES``.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from contracts.envelope import Event
from contracts.events.audits import *
from contracts.events.citizens import *
from contracts.events.common import *
from contracts.events.notifications import *
from contracts.events.org import *
from contracts.events.periods import *
from contracts.events.programme import *
from contracts.events.scoring import *

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

#: Any event of ``EVENT_TYPES``, told apart by its ``type`` (one list to extend, not two).
AnyEvent: Any = Annotated[reduce(operator.or_, EVENT_TYPES), Field(discriminator="type")]

#: Parses any event from JSON bytes; raises ``pydantic.ValidationError`` on a bad message.
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(AnyEvent)


def event_type_name(cls: type[Event]) -> str:
    return str(cls.model_fields["type"].default)


def parse_event(raw: bytes | str) -> Event:
    return EVENT_ADAPTER.validate_json(raw)
