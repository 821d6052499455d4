"""The events the scoring projection takes, declared once, by kind, in the order a batch applies
them (a close after the batch's facts, so that its final results hold them); every other event
changes nothing.

The live projection folds each kind by its handler (``handlers.projection.FOLDS``) and a rebuild
reduces each event to a fact (``domain.facts.FACTS``): both are registered by these.
"""

from __future__ import annotations

from contracts.events import (
    FeedbackReceived,
    OrgChartPublished,
    PeriodClosed,
    PeriodReopened,
    SelfAssessmentReviewed,
    TaskResultRecorded,
)
from services.scoring.domain.audits import AUDIT_EVENTS

#: Submitted, amended, withdrawn: as their contracts, then as the hot path's structs.
AUDITS = AUDIT_EVENTS
REVIEWS = (SelfAssessmentReviewed,)
TASK_RESULTS = (TaskResultRecorded,)
FEEDBACK = (FeedbackReceived,)
CLOSES = (PeriodClosed,)
REOPENS = (PeriodReopened,)
ORG_CHARTS = (OrgChartPublished,)
