"""What comes from the bus: the org chart, the ward's calendar, assessment's submissions (each
changing what is owed, see ``deadlines``) and scoring's low scores and recoveries.

Every function is given a session and works inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import Event
from contracts.events import (
    AuditAmended,
    AuditSubmitted,
    AuditWithdrawn,
    CalendarPublished,
    CorrectiveActionClosed,
    CorrectiveActionOpened,
    CorrectiveActionReopened,
    LowScoreData,
    LowScoreDetected,
    LowScoreRecovered,
    OrgChartPublished,
    SelfAssessmentReviewed,
    SelfAssessmentSubmitted,
)
from services.notifications.adapters.tables import org_people, org_units, org_versions
from services.notifications.deadlines import (
    action_changed,
    audit_changed,
    replace_calendar,
    self_assessment_changed,
)
from services.notifications.domain import rules
from services.notifications.domain.low_scores import Message, low_score_message, rule_name
from services.notifications.domain.messages import citizen_message
from services.notifications.handlers import (
    Policy,
    Raising,
    load_people,
    raise_alerts,
    resolve,
    unit_name,
)
from services.runtime.consumer import RetryLater
from services.runtime.db import upsert
from services.runtime.dispatch import Registry

# --- events from the bus --------------------------------------------------------------------------


@dataclass(frozen=True)
class Applying:
    """What each event handler is given: the rules and the consumer's transaction."""

    policy: Policy
    session: AsyncSession


#: Each event type this service acts on, and what it does; the rest of the streams is skipped.
EVENTS: Registry[Applying, None] = Registry("notifications events")


async def apply(policy: Policy, session: AsyncSession, events: Sequence[Event]) -> None:
    applying = Applying(policy, session)
    for event in events:
        await EVENTS.dispatch_known(applying, event)


@EVENTS.register(OrgChartPublished)
async def _org_chart(on: Applying, event: OrgChartPublished) -> None:
    await replace_org_chart(on.session, event)


@EVENTS.register(CalendarPublished)
async def _calendar(on: Applying, event: CalendarPublished) -> None:
    await replace_calendar(on.policy, on.session, event)


@EVENTS.register(LowScoreDetected)
async def _low_score(on: Applying, event: LowScoreDetected) -> None:
    await raise_low_score(on.policy, on.session, event)


@EVENTS.register(LowScoreRecovered)
async def _recovered(on: Applying, event: LowScoreRecovered) -> None:
    low = event.data
    await resolve(on.policy, on.session, event.ward, rule_name(low.metric), low.unit_id, low.period)


@EVENTS.register(SelfAssessmentSubmitted, SelfAssessmentReviewed)
async def _self_assessment(
    on: Applying, event: SelfAssessmentSubmitted | SelfAssessmentReviewed
) -> None:
    await self_assessment_changed(on.policy, on.session, event)


@EVENTS.register(AuditSubmitted, AuditAmended, AuditWithdrawn)
async def _audit(on: Applying, event: AuditSubmitted | AuditAmended | AuditWithdrawn) -> None:
    await audit_changed(on.policy, on.session, event)


@EVENTS.register(CorrectiveActionOpened, CorrectiveActionClosed, CorrectiveActionReopened)
async def _action(
    on: Applying,
    event: CorrectiveActionOpened | CorrectiveActionClosed | CorrectiveActionReopened,
) -> None:
    await action_changed(on.policy, on.session, event)


async def replace_org_chart(session: AsyncSession, event: OrgChartPublished) -> None:
    ward, chart = event.ward, event.data
    known = await session.scalar(select(org_versions.c.version).where(org_versions.c.ward == ward))
    if known is not None and known >= chart.version:
        return  # an older chart arriving late
    await session.execute(delete(org_people).where(org_people.c.ward == ward))
    await session.execute(delete(org_units).where(org_units.c.ward == ward))
    if chart.units:
        await session.execute(
            org_units.insert(),
            [
                {"ward": ward, "unit_id": u.unit_id, "name_vi": u.name.vi, "name_en": u.name.en}
                for u in chart.units
            ],
        )
    if chart.people:
        await session.execute(
            org_people.insert(),
            [
                {
                    "ward": ward,
                    "person_id": p.person_id,
                    "full_name": p.full_name,
                    "email": p.email,
                    "role": p.role.value,
                    "unit_id": p.unit_id,
                    "units_in_charge": list(p.units_in_charge),
                }
                for p in chart.people
            ],
        )
    statement = upsert(session, org_versions).values(ward=ward, version=chart.version)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[org_versions.c.ward], set_={"version": chart.version}
        )
    )


async def raise_low_score(policy: Policy, session: AsyncSession, event: LowScoreDetected) -> None:
    data = event.data
    if data.subject_kind != "unit":
        return  # a person's low points are a matter for their evaluation, not an alert
    rule = rule_name(data.metric)
    # A spike is about one day: each day it happens is news of its own.
    period = (
        data.day.isoformat() if data.day and data.metric in rules.DAILY_METRICS else data.period
    )
    people = await load_people(session, event.ward)
    way = rules.route(rule, data.unit_id, people)
    if not way.initial():
        # The org chart comes on another stream and may not be here yet: try again shortly.
        raise RetryLater(f"no recipient known yet for unit {data.unit_id}")
    await raise_alerts(
        policy,
        session,
        Raising(
            ward=event.ward,
            rule=rule,
            subject_id=data.unit_id,
            period=period,
            unit_id=data.unit_id,
            message=await _score_message(session, event.ward, data, period),
            critical=data.final,
            correlation_id=event.correlation_id,
        ),
        way.initial(),
        way,
    )


async def _score_message(
    session: AsyncSession, ward: str, data: LowScoreData, period: str
) -> Message:
    unit = await unit_name(session, ward, data.unit_id)
    if data.metric in rules.CITIZEN_METRICS:
        return citizen_message(data.metric, data.value, data.threshold, unit, period)
    return low_score_message(data, unit)
