"""What comes from the bus, by event type: the org chart and the ward's calendar, the sign-in
links and the period reports to e-mail, the credentials revoked, assessment's submissions (each
changing what is owed) and scoring's low scores, recoveries and final results. Every other
event on the streams is skipped.

``apply`` is the consumers' callback: it runs each event's handler in the consumer's
transaction (joined by a :class:`~services.notifications.handlers.context.JoinedUnit`) and
stages the events they raise before that transaction commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import Event
from contracts.events import (
    AuditAmended,
    AuditSubmitted,
    AuditWithdrawn,
    CalendarPublished,
    CitizenFollowUpDone,
    CitizenFollowUpOpened,
    CorrectiveActionClosed,
    CorrectiveActionOpened,
    CorrectiveActionReopened,
    CredentialsRevoked,
    LowScoreDetected,
    LowScoreRecovered,
    OrgChartPublished,
    PeriodReportIssued,
    PeriodReviewWritten,
    ReviewFollowUpClosed,
    ScoreFinalized,
    SelfAssessmentReviewed,
    SelfAssessmentSubmitted,
    SignInLinkIssued,
)
from services.notifications.adapters.tables import plumbing
from services.notifications.domain.policy import Policy
from services.notifications.handlers import (
    calendar,
    low_scores,
    org,
    report_mail,
    sign_in_mail,
    submissions,
)
from services.notifications.handlers.context import Context, JoinedUnit
from services.runtime import revocations
from services.runtime.clock import Now
from services.runtime.dispatch import Registry

#: Each event type this service acts on, and its handler.
EVENTS: Registry[Context, None] = Registry("notifications events")

EVENTS.register(OrgChartPublished)(org.replace_org_chart)
EVENTS.register(CalendarPublished)(calendar.replace_calendar)
EVENTS.register(SignInLinkIssued)(sign_in_mail.queue_sign_in_link)
EVENTS.register(PeriodReportIssued)(report_mail.queue_report)


@EVENTS.register(CredentialsRevoked)
async def credentials_revoked(ctx: Context, event: CredentialsRevoked) -> None:
    """Refuse from now on the tokens of the credentials assessment revoked."""
    await revocations.record_event(ctx.session, plumbing.revoked, event)


EVENTS.register(LowScoreDetected)(low_scores.raise_low_score)
EVENTS.register(LowScoreRecovered)(low_scores.resolve_recovered)
EVENTS.register(ScoreFinalized)(low_scores.note_final)
EVENTS.register(SelfAssessmentSubmitted, SelfAssessmentReviewed)(
    submissions.self_assessment_changed
)
EVENTS.register(AuditSubmitted, AuditAmended, AuditWithdrawn)(submissions.audit_changed)
EVENTS.register(CorrectiveActionOpened, CorrectiveActionClosed, CorrectiveActionReopened)(
    submissions.action_changed
)
EVENTS.register(PeriodReviewWritten)(submissions.review_written)
EVENTS.register(ReviewFollowUpClosed)(submissions.follow_up_closed)
EVENTS.register(CitizenFollowUpOpened, CitizenFollowUpDone)(submissions.call_back_changed)


async def apply(
    policy: Policy, outbox: Table, clock: Now, session: AsyncSession, events: Sequence[Event]
) -> None:
    """Apply a consumer's batch in its transaction (``session``), each event by its handler."""
    unit = JoinedUnit(session, outbox, clock)
    ctx = Context(policy, unit)
    for event in events:
        await EVENTS.dispatch_known(ctx, event)
    await unit.stage()
