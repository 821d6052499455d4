"""The notifications service layer: keep the org chart, watch deadlines, raise, escalate, repeat
and resolve alerts, queue their deliveries, and take acknowledgements, snoozes and preferences.

Every function is given a session and works inside the caller's transaction; time always comes
from the policy's clock, never from the machine.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import Text
from contracts.envelope import SYSTEM, Actor, Event
from contracts.events import (
    AlertAcknowledged,
    AlertData,
    AlertDelivered,
    AlertEscalated,
    AlertRaised,
    AlertResolved,
    AuditAmended,
    AuditSubmitted,
    AuditWithdrawn,
    CalendarPublished,
    CalendarPublishedData,
    CorrectiveActionClosed,
    CorrectiveActionOpened,
    CorrectiveActionReopened,
    LowScoreData,
    LowScoreDetected,
    LowScoreRecovered,
    OrgChartPublished,
    OrgPerson,
    SelfAssessmentReviewed,
    SelfAssessmentSubmitted,
)
from contracts.periods import Month
from contracts.roles import Role
from services.notifications.adapters.tables import (
    alerts,
    calendars,
    deliveries,
    expectations,
    org_people,
    org_units,
    org_versions,
    plumbing,
    preferences,
    records,
)
from services.notifications.clock import Clock
from services.notifications.domain import obligations as owed
from services.notifications.domain import rules
from services.notifications.domain.low_scores import Message, low_score_message, rule_name
from services.notifications.domain.messages import (
    Facts,
    citizen_message,
    deadline_message,
    escalated,
    escalation_note,
)
from services.notifications.domain.obligations import Obligation, Record
from services.notifications.domain.schedule import Deadlines, SendWindow, local_day, missed_after
from services.notifications.metrics import ALERTS_ESCALATED, ALERTS_RAISED, ALERTS_SUPPRESSED
from services.notifications.settings import NotificationsSettings
from services.runtime.consumer import RetryLater
from services.runtime.db import upsert
from services.runtime.errors import ApiError
from services.runtime.outbox import stage
from services.runtime.workdays import WorkingCalendar

#: A session that queued a delivery sets this, so the dispatcher is woken once it commits.
WAKE_KEY = "ward5s.notifications.wake"
OPEN = ("open", "escalated")


@dataclass(frozen=True)
class Policy:
    """Everything the rules need to know about time: the clock, the deadlines' numbers, quiet
    hours, repeats. The days they count are each ward's own calendar (``ward_calendar``);
    ``calendar`` (the ``calendar_file`` setting) stands in until a ward's is published."""

    clock: Clock
    calendar: WorkingCalendar
    escalation_days: int
    send_from: time
    send_until: time
    repeat: timedelta
    digest_at: time

    @classmethod
    def from_settings(cls, settings: NotificationsSettings, clock: Clock) -> Policy:
        return cls(
            clock=clock,
            calendar=WorkingCalendar.from_file(
                Path(settings.calendar_file) if settings.calendar_file else None
            ),
            escalation_days=settings.escalation_working_days,
            send_from=settings.send_from,
            send_until=settings.send_until,
            repeat=timedelta(hours=settings.repeat_hours),
            digest_at=settings.digest_at,
        )

    def deadlines(self, calendar: WorkingCalendar) -> Deadlines:
        return Deadlines(calendar, escalation_days=self.escalation_days)

    def window(self, calendar: WorkingCalendar) -> SendWindow:
        return SendWindow(calendar, self.send_from, self.send_until)


async def ward_calendar(policy: Policy, session: AsyncSession, ward: str) -> WorkingCalendar:
    """The ward's working calendar as assessment last published it (public holidays and
    weekends, plus its declared days off and make-up working days); the service's file until
    one is published."""
    row = (
        await session.execute(
            select(calendars.c.version, calendars.c.days).where(calendars.c.ward == ward)
        )
    ).first()
    if row is None:
        return policy.calendar
    return WorkingCalendar.from_contract(
        CalendarPublishedData(version=row.version, days=tuple(row.days))
    )


# --- events from the bus --------------------------------------------------------------------------


async def apply(policy: Policy, session: AsyncSession, events: Sequence[Event]) -> None:
    for event in events:
        if isinstance(event, OrgChartPublished):
            await replace_org_chart(session, event)
        elif isinstance(event, CalendarPublished):
            await replace_calendar(policy, session, event)
        elif isinstance(event, LowScoreDetected):
            await raise_low_score(policy, session, event)
        elif isinstance(event, LowScoreRecovered):
            low = event.data
            await resolve(
                policy, session, event.ward, rule_name(low.metric), low.unit_id, low.period
            )
        elif isinstance(event, SelfAssessmentSubmitted | SelfAssessmentReviewed):
            await self_assessment_changed(policy, session, event)
        elif isinstance(event, AuditSubmitted | AuditAmended | AuditWithdrawn):
            await audit_changed(policy, session, event)
        elif isinstance(
            event, CorrectiveActionOpened | CorrectiveActionClosed | CorrectiveActionReopened
        ):
            await action_changed(policy, session, event)


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


async def load_people(session: AsyncSession, ward: str) -> list[OrgPerson]:
    rows = await session.execute(select(org_people).where(org_people.c.ward == ward))
    return [
        OrgPerson(
            person_id=r.person_id,
            full_name=r.full_name,
            email=r.email,
            role=Role(r.role),
            unit_id=r.unit_id,
            units_in_charge=tuple(r.units_in_charge),
        )
        for r in rows
    ]


async def unit_name(session: AsyncSession, ward: str, unit_id: str) -> Text:
    row = (
        await session.execute(
            select(org_units.c.name_vi, org_units.c.name_en).where(
                org_units.c.ward == ward, org_units.c.unit_id == unit_id
            )
        )
    ).first()
    return Text(vi=row.name_vi, en=row.name_en) if row else Text(vi=unit_id, en=unit_id)


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


# --- deadlines ------------------------------------------------------------------------------------


async def replace_calendar(policy: Policy, session: AsyncSession, event: CalendarPublished) -> None:
    """Keep the ward's newest calendar (an older version arriving late changes nothing) and move
    onto it whatever was counted on the old one: deadlines not yet alerted, escalations to come,
    messages held by quiet hours."""
    ward, published = event.ward, event.data
    known = await session.scalar(select(calendars.c.version).where(calendars.c.ward == ward))
    if known is not None and known >= published.version:
        return
    days = [day.model_dump(mode="json") for day in published.days]
    statement = upsert(session, calendars).values(ward=ward, version=published.version, days=days)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[calendars.c.ward], set_={"version": published.version, "days": days}
        )
    )
    await reschedule(policy, session, ward, await ward_calendar(policy, session, ward))


async def reschedule(
    policy: Policy, session: AsyncSession, ward: str, calendar: WorkingCalendar
) -> None:
    now = policy.clock.now()
    deadlines, window = policy.deadlines(calendar), policy.window(calendar)
    pending = (
        await session.execute(
            select(expectations).where(
                expectations.c.ward == ward,
                expectations.c.due_at.is_not(None),
                expectations.c.raised_at.is_(None),
            )
        )
    ).all()
    for row in pending:
        day = deadlines.due_day(row.rule, row.period, row.details)
        await session.execute(
            update(expectations)
            .where(*_key(ward, row.rule, row.subject_id, row.period))
            .values(due_at=missed_after(day), details={**row.details, "due_on": day.isoformat()})
        )
    climbing = (
        await session.execute(
            select(alerts.c.alert_id, alerts.c.opened_at, alerts.c.created_at).where(
                alerts.c.ward == ward, alerts.c.status == "open", alerts.c.escalates_at > now
            )
        )
    ).all()
    for alert in climbing:
        await session.execute(
            update(alerts)
            .where(alerts.c.alert_id == alert.alert_id)
            .values(escalates_at=deadlines.escalation_at(alert.opened_at or alert.created_at))
        )
    held = (
        await session.execute(
            select(deliveries.c.id, preferences.c.digest)
            .join(alerts, alerts.c.alert_id == deliveries.c.alert_id)
            .outerjoin(
                preferences,
                (preferences.c.ward == deliveries.c.ward)
                & (preferences.c.person_id == deliveries.c.recipient_id),
            )
            .where(
                deliveries.c.ward == ward,
                deliveries.c.status == "pending",
                deliveries.c.attempts == 0,
                deliveries.c.send_after > now,
                alerts.c.severity != "critical",
            )
        )
    ).all()
    for delivery in held:
        digest = policy.digest_at if delivery.digest else None
        await session.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery.id)
            .values(send_after=window.send_at(now, critical=False, digest_at=digest))
        )


# --- what is true now, and what it leaves owed ---------------------------------------------------


async def keep(session: AsyncSession, ward: str, record: Record) -> Record | None:
    """Keep ``record`` as what is true now of its submission if it is newer than the state
    kept; returns the state it replaced (None if there was none), or raises ``_Stale``."""
    key = (
        records.c.ward == ward,
        records.c.kind == record.kind,
        records.c.record_id == record.record_id,
    )
    row = (await session.execute(select(records).where(*key).with_for_update())).first()
    stored = _record(row) if row is not None else None
    if not record.supersedes(stored):
        raise _Stale
    values = {
        "subject_id": record.subject_id,
        "period": record.period,
        "unit_id": record.unit_id,
        "status": record.status,
        "revision": record.revision,
        "as_of": record.as_of,
        "details": dict(record.details),
    }
    if stored is None:
        await session.execute(
            records.insert().values(
                ward=ward, kind=record.kind, record_id=record.record_id, **values
            )
        )
    else:
        await session.execute(update(records).where(*key).values(**values))
    return stored


class _Stale(Exception):
    """An event older than the state already kept: nothing changes."""


def _record(row: Any) -> Record:
    return Record(
        kind=row.kind,
        record_id=row.record_id,
        subject_id=row.subject_id,
        period=row.period,
        unit_id=row.unit_id,
        status=row.status,
        revision=row.revision,
        as_of=row.as_of,
        details=row.details,
    )


async def self_assessment_changed(
    policy: Policy, session: AsyncSession, event: SelfAssessmentSubmitted | SelfAssessmentReviewed
) -> None:
    """A person's self-assessment of a month submitted, or reviewed (approved, adjusted,
    returned): its submission and its review are owed or met as it now stands."""
    data = event.data
    reviewed = isinstance(event, SelfAssessmentReviewed)
    record = Record(
        kind=owed.SELF_ASSESSMENT,
        record_id=owed.self_assessment_key(data.person_id, data.period),
        subject_id=data.person_id,
        period=data.period,
        unit_id=data.unit_id,
        status=event.data.outcome if isinstance(event, SelfAssessmentReviewed) else owed.SUBMITTED,
        revision=owed.self_assessment_order(data.revision, reviewed),
        as_of=event.occurred_at,
        details={} if reviewed else {"submitted_on": local_day(event.occurred_at).isoformat()},
    )
    try:
        await keep(session, event.ward, record)
    except _Stale:
        return
    for obligation in owed.self_assessment_obligations(record):
        await settle(policy, session, event.ward, obligation)


async def audit_changed(
    policy: Policy, session: AsyncSession, event: AuditSubmitted | AuditAmended | AuditWithdrawn
) -> None:
    """An audit submitted, amended or withdrawn: its unit's month is audited while any audit of
    it stands (each month the audit was or is in is looked at again)."""
    data = event.data
    if isinstance(event, AuditWithdrawn):
        period, status = event.data.replaces.period, owed.WITHDRAWN
    else:
        period, status = event.data.period, owed.LIVE
    record = Record(
        kind=owed.AUDIT,
        record_id=str(data.audit_id),
        subject_id=data.unit_id,
        period=period,
        unit_id=data.unit_id,
        status=status,
        revision=data.revision,
        as_of=event.occurred_at,
    )
    try:
        stored = await keep(session, event.ward, record)
    except _Stale:
        return
    for period in sorted({record.period} | ({stored.period} if stored else set())):
        live = await session.scalar(
            select(func.count()).where(
                records.c.ward == event.ward,
                records.c.kind == owed.AUDIT,
                records.c.subject_id == data.unit_id,
                records.c.period == period,
                records.c.status == owed.LIVE,
            )
        )
        await settle(
            policy, session, event.ward, owed.audit_obligation(data.unit_id, period, live or 0)
        )


async def action_changed(
    policy: Policy,
    session: AsyncSession,
    event: CorrectiveActionOpened | CorrectiveActionClosed | CorrectiveActionReopened,
) -> None:
    """A corrective action opened, closed (by its owner, or by its audit's correction) or
    reopened with a new due date: overdue while open, by its current due date."""
    data, ward = event.data, event.ward
    key = (
        records.c.ward == ward,
        records.c.kind == owed.ACTION,
        records.c.record_id == str(data.action_id),
    )
    known = await session.scalar(select(records.c.details).where(*key))
    details = dict(known or {})
    if isinstance(event, CorrectiveActionOpened):
        details |= {"item_code": event.data.item_code, "owner_id": event.data.owner_id}
    if isinstance(event, CorrectiveActionOpened | CorrectiveActionReopened):
        details |= {"due_on": event.data.due_on.isoformat(), "owner_id": event.data.owner_id}
    record = Record(
        kind=owed.ACTION,
        record_id=str(data.action_id),
        subject_id=str(data.action_id),
        period="",
        unit_id=data.unit_id,
        status=owed.CLOSED if isinstance(event, CorrectiveActionClosed) else owed.OPEN,
        revision=0,  # no revision: the events' times order them
        as_of=event.occurred_at,
        details=details,
    )
    try:
        await keep(session, ward, record)
    except _Stale:
        return
    await settle(policy, session, ward, owed.action_obligation(record))


def _cause(table: Table, ward: str, rule: str, subject_id: str, period: str) -> tuple[Any, ...]:
    """The rows of one cause (ward, rule, subject, period) in ``expectations`` or ``alerts``."""
    return (
        table.c.ward == ward,
        table.c.rule == rule,
        table.c.subject_id == subject_id,
        table.c.period == period,
    )


def _key(ward: str, rule: str, subject_id: str, period: str) -> tuple[Any, ...]:
    return _cause(expectations, ward, rule, subject_id, period)


#: Obligations watched from their own events; a month's self-assessments and audits are watched
#: from ``ensure_month`` (a deployment does not alert months before it existed).
_WATCHED_FROM_EVENTS = frozenset({rules.REVIEW_OVERDUE, rules.ACTION_OVERDUE})


async def settle(policy: Policy, session: AsyncSession, ward: str, obligation: Obligation) -> None:
    """Bring one deadline in line with what is true now.

    Met: stop watching it and resolve its alerts (those who were told get a resolved notice).
    Owed: watch it by its deadline on the ward's calendar; if it was met before, or it is a new
    instance (a resubmission waiting for review, an action reopened with a new due date), it
    is owed afresh and alerted again once missed."""
    rule, subject, period = obligation.rule, obligation.subject_id, obligation.period
    key = _key(ward, rule, subject, period)
    row = (await session.execute(select(expectations).where(*key).with_for_update())).first()
    now = policy.clock.now()
    if not obligation.owed:
        if row is None:  # met before it was watched: remember, so it is never alerted
            await session.execute(
                expectations.insert().values(
                    ward=ward,
                    rule=rule,
                    subject_id=subject,
                    period=period,
                    unit_id=obligation.unit_id,
                    person_id=obligation.person_id,
                    met_at=now,
                    details=dict(obligation.basis),
                )
            )
        elif row.met_at is None:
            await session.execute(update(expectations).where(*key).values(met_at=now))
            await resolve(policy, session, ward, rule, subject, row.details.get("period", period))
        return
    details: dict[str, Any] = {**obligation.basis, "instance": obligation.instance}
    due_at = None
    if (row.due_at is not None) if row is not None else rule in _WATCHED_FROM_EVENTS:
        calendar = await ward_calendar(policy, session, ward)
        day = policy.deadlines(calendar).due_day(rule, period, obligation.basis)
        due_at, details["due_on"] = missed_after(day), day.isoformat()
    values: dict[str, Any] = {
        "unit_id": obligation.unit_id,
        "person_id": obligation.person_id,
        "due_at": due_at,
        "met_at": None,
        "details": details,
    }
    if row is None:
        await session.execute(
            expectations.insert().values(
                ward=ward, rule=rule, subject_id=subject, period=period, **values
            )
        )
        return
    if row.met_at is not None or row.details.get("instance", "") != obligation.instance:
        values["raised_at"] = None  # owed afresh: alerted again once missed
    await session.execute(update(expectations).where(*key).values(**values))


async def ensure_month(policy: Policy, session: AsyncSession, ward: str, month: Month) -> None:
    """Watch the month's self-assessments (every official) and audits (every unit), by the
    ward's calendar. What was met before it was watched stays met; its deadline is filled in,
    so it is watched if it is owed again (a return, a withdrawal)."""
    people = await load_people(session, ward)
    units = (
        await session.scalars(select(org_units.c.unit_id).where(org_units.c.ward == ward))
    ).all()
    deadlines = policy.deadlines(await ward_calendar(policy, session, ward))
    self_assessment_day = deadlines.due_day(rules.SELF_ASSESSMENT_MISSING, month.key, {})
    audit_day = deadlines.due_day(rules.AUDIT_MISSING, month.key, {})
    rows = [
        {
            "ward": ward,
            "rule": rules.SELF_ASSESSMENT_MISSING,
            "subject_id": p.person_id,
            "period": month.key,
            "unit_id": p.unit_id,
            "person_id": p.person_id,
            "due_at": missed_after(self_assessment_day),
            "details": {"due_on": self_assessment_day.isoformat()},
        }
        for p in rules.expected_self_assessors(people)
    ] + [
        {
            "ward": ward,
            "rule": rules.AUDIT_MISSING,
            "subject_id": unit_id,
            "period": month.key,
            "unit_id": unit_id,
            "person_id": None,
            "due_at": missed_after(audit_day),
            "details": {"due_on": audit_day.isoformat()},
        }
        for unit_id in units
    ]
    if rows:
        statement = upsert(session, expectations)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[
                    expectations.c.ward,
                    expectations.c.rule,
                    expectations.c.subject_id,
                    expectations.c.period,
                ],
                set_={
                    "unit_id": statement.excluded.unit_id,
                    "person_id": statement.excluded.person_id,
                    "due_at": statement.excluded.due_at,
                    "details": statement.excluded.details,
                },
                where=expectations.c.due_at.is_(None),
            ),
            rows,
        )


async def raise_missed(policy: Policy, session: AsyncSession) -> int:
    """Alert every deadline that has passed without what it waited for."""
    now = policy.clock.now()
    missed = (
        await session.execute(
            select(expectations)
            .where(
                expectations.c.due_at <= now,
                expectations.c.met_at.is_(None),
                expectations.c.raised_at.is_(None),
            )
            .order_by(expectations.c.due_at)
            .limit(1000)
            .with_for_update(skip_locked=True)  # another instance alerts the rows it holds
        )
    ).all()
    people_of: dict[str, list[OrgPerson]] = {}
    for row in missed:
        if row.ward not in people_of:
            people_of[row.ward] = await load_people(session, row.ward)
        people = people_of[row.ward]
        names = {p.person_id: p.full_name for p in people}
        details = row.details
        period = details.get("period", row.period)
        facts = Facts(
            unit=await unit_name(session, row.ward, row.unit_id),
            period=period,
            due=date.fromisoformat(details["due_on"]),
            person_name=names.get(row.person_id or "", row.person_id),
            item_code=details.get("item_code"),
            submitted_on=(
                date.fromisoformat(details["submitted_on"]) if "submitted_on" in details else None
            ),
        )
        way = rules.route(row.rule, row.unit_id, people, row.person_id)
        await raise_alerts(
            policy,
            session,
            Raising(
                ward=row.ward,
                rule=row.rule,
                subject_id=row.subject_id,
                period=period,
                unit_id=row.unit_id,
                message=deadline_message(row.rule, facts),
                critical=False,
                correlation_id=uuid.uuid4(),
            ),
            way.initial(),
            way,
        )
        await session.execute(
            update(expectations)
            .where(*_key(row.ward, row.rule, row.subject_id, row.period))
            .values(raised_at=now)
        )
    return len(missed)


async def overdue_reviews(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(ward, unit, count) of reviews alerted as overdue and still not done."""
    rows = await session.execute(
        select(expectations.c.ward, expectations.c.unit_id, func.count())
        .where(
            expectations.c.rule == rules.REVIEW_OVERDUE,
            expectations.c.raised_at.is_not(None),
            expectations.c.met_at.is_(None),
        )
        .group_by(expectations.c.ward, expectations.c.unit_id)
    )
    return [(r[0], r[1], r[2]) for r in rows]


# --- alerts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raising:
    """One cause, about to become an alert for each of its recipients."""

    ward: str
    rule: str
    subject_id: str
    period: str
    unit_id: str
    message: Message
    critical: bool
    correlation_id: uuid.UUID


async def raise_alerts(
    policy: Policy,
    session: AsyncSession,
    cause: Raising,
    recipients: Sequence[tuple[int, OrgPerson]],
    way: rules.Route,
    escalated_from: AlertData | None = None,
) -> list[AlertData]:
    """One alert per (rule, subject, period, recipient), however often the cause is seen: a
    recipient who already has it gets nothing more; a resolved one is opened again, with what
    the cause says now. Escalation counts the ward's working days from now; repeats count from
    the first message that actually goes out (``repeat_at`` is set when one is sent)."""
    now = policy.clock.now()
    severity = "critical" if cause.critical else "warning"
    deadlines = policy.deadlines(await ward_calendar(policy, session, cause.ward))
    made: list[AlertData] = []
    for level, person in recipients:
        alert_id = uuid.uuid4()
        escalates_at = None if way.is_top(level) else deadlines.escalation_at(now)
        statement = upsert(session, alerts).values(
            alert_id=str(alert_id),
            ward=cause.ward,
            rule=cause.rule,
            subject_id=cause.subject_id,
            period=cause.period,
            recipient_id=person.person_id,
            unit_id=cause.unit_id,
            severity=severity,
            status="open",
            title_vi=cause.message.title.vi,
            title_en=cause.message.title.en,
            body_vi=cause.message.body.vi,
            body_en=cause.message.body.en,
            escalation_level=level,
            escalates_at=escalates_at,
            repeat_at=None,
            opened_at=now,
            created_at=now,
            updated_at=now,
        )
        inserted = (
            await session.execute(
                statement.on_conflict_do_nothing(
                    index_elements=["ward", "rule", "subject_id", "period", "recipient_id"]
                ).returning(alerts.c.alert_id)
            )
        ).first()
        if inserted is None:
            reopened = (
                await session.execute(
                    update(alerts)
                    .where(
                        *_cause(alerts, cause.ward, cause.rule, cause.subject_id, cause.period),
                        alerts.c.recipient_id == person.person_id,
                        alerts.c.status == "resolved",
                    )
                    .values(
                        status="open",
                        title_vi=cause.message.title.vi,
                        title_en=cause.message.title.en,
                        body_vi=cause.message.body.vi,
                        body_en=cause.message.body.en,
                        updated_at=now,
                        opened_at=now,
                        resolved_at=None,
                        acknowledged_at=None,
                        snoozed_until=None,
                        escalates_at=escalates_at,
                        repeat_at=None,
                    )
                    .returning(alerts.c.alert_id)
                )
            ).first()
            if reopened is None:
                ALERTS_SUPPRESSED.labels(cause.rule, "duplicate").inc()
                continue
            alert_id = uuid.UUID(reopened.alert_id)
        data = AlertData(
            alert_id=alert_id,
            rule=cause.rule,
            subject_id=cause.subject_id,
            period=cause.period,
            recipient_id=person.person_id,
            severity=severity,
            escalation_level=level,
            note=escalated_from.note if escalated_from else None,
        )
        made.append(data)
        ALERTS_RAISED.labels(cause.rule).inc()
        await queue(policy, session, cause.ward, data, kind="alert")
    kind = AlertEscalated if escalated_from else AlertRaised
    await stage(
        session,
        plumbing.outbox,
        [alert_event(kind, cause.ward, d, now, cause.correlation_id) for d in made],
    )
    return made


def alert_event(
    kind: type[AlertRaised]
    | type[AlertDelivered]
    | type[AlertAcknowledged]
    | type[AlertEscalated]
    | type[AlertResolved],
    ward: str,
    data: AlertData,
    now: datetime,
    correlation_id: uuid.UUID | None = None,
    actor: Actor = SYSTEM,
) -> Event:
    return kind(
        ward=ward,
        occurred_at=now,
        actor=actor,
        correlation_id=correlation_id or uuid.uuid4(),
        data=data,
    )


def alert_data(row: Any, **changes: Any) -> AlertData:
    return AlertData(
        alert_id=uuid.UUID(row.alert_id),
        rule=row.rule,
        subject_id=row.subject_id,
        period=row.period,
        recipient_id=row.recipient_id,
        severity=row.severity,
        escalation_level=row.escalation_level,
        **changes,
    )


async def queue(
    policy: Policy, session: AsyncSession, ward: str, alert: AlertData, kind: str
) -> None:
    """Queue a message about an alert on each channel the recipient chose, to go at once or when
    quiet hours (or their daily digest) allow."""
    now = policy.clock.now()
    person = (
        await session.execute(
            select(org_people.c.email).where(
                org_people.c.ward == ward, org_people.c.person_id == alert.recipient_id
            )
        )
    ).first()
    choice = (
        await session.execute(
            select(preferences).where(
                preferences.c.ward == ward, preferences.c.person_id == alert.recipient_id
            )
        )
    ).first()
    wants_email = choice.email if choice else True
    channels = []
    if wants_email and person is not None and person.email:
        channels.append("email")
    if choice is not None and choice.webhook_url:
        channels.append("webhook")
    if not channels:
        return  # the in-app inbox only
    digest = policy.digest_at if choice is not None and choice.digest else None
    window = policy.window(await ward_calendar(policy, session, ward))
    send_after = window.send_at(now, critical=alert.severity == "critical", digest_at=digest)
    if send_after > now:
        ALERTS_SUPPRESSED.labels(alert.rule, "digest" if digest else "quiet_hours").inc()
    await session.execute(
        deliveries.insert(),
        [
            {
                "ward": ward,
                "alert_id": str(alert.alert_id),
                "recipient_id": alert.recipient_id,
                "channel": channel,
                "kind": kind,
                "status": "pending",
                "attempts": 0,
                "send_after": send_after,
                "created_at": now,
            }
            for channel in channels
        ],
    )
    session.sync_session.info[WAKE_KEY] = True


async def resolve(
    policy: Policy, session: AsyncSession, ward: str, rule: str, subject_id: str, period: str
) -> None:
    """The cause has cleared: close its alerts and tell those who were told."""
    now = policy.clock.now()
    rows = (
        await session.execute(
            update(alerts)
            .where(*_cause(alerts, ward, rule, subject_id, period), alerts.c.status != "resolved")
            .values(status="resolved", resolved_at=now, updated_at=now)
            .returning(*alerts.c)
        )
    ).all()
    for row in rows:
        told = await session.scalar(
            select(func.count()).where(
                deliveries.c.alert_id == row.alert_id, deliveries.c.status == "sent"
            )
        )
        if told:
            await queue(policy, session, ward, alert_data(row), kind="resolved")
    await stage(
        session,
        plumbing.outbox,
        [alert_event(AlertResolved, ward, alert_data(r), now) for r in rows],
    )


async def escalate_due(policy: Policy, session: AsyncSession) -> int:
    """Hand every alert left unacknowledged past its escalation time one level up."""
    now = policy.clock.now()
    due = (
        await session.execute(
            select(alerts)
            .where(alerts.c.status == "open", alerts.c.escalates_at <= now)
            .order_by(alerts.c.escalates_at)
            .limit(500)
            .with_for_update(skip_locked=True)  # another instance escalates the rows it holds
        )
    ).all()
    for row in due:
        people = await load_people(session, row.ward)
        told = next((p for p in people if p.person_id == row.recipient_id), None)
        first_sent = await session.scalar(
            select(func.min(deliveries.c.sent_at)).where(
                deliveries.c.alert_id == row.alert_id, deliveries.c.status == "sent"
            )
        )
        note = escalation_note(
            told.full_name if told else row.recipient_id,
            told.role if told else Role.STAFF,
            first_sent or row.created_at,
        )
        way = rules.route(row.rule, row.unit_id or row.subject_id, people)
        message = escalated(
            Message(Text(vi=row.title_vi, en=row.title_en), Text(vi=row.body_vi, en=row.body_en)),
            note,
        )
        await session.execute(
            update(alerts)
            .where(alerts.c.alert_id == row.alert_id)
            .values(status="escalated", escalated_at=now, updated_at=now)
        )
        ALERTS_ESCALATED.labels(row.rule).inc()
        await raise_alerts(
            policy,
            session,
            Raising(
                ward=row.ward,
                rule=row.rule,
                subject_id=row.subject_id,
                period=row.period,
                unit_id=row.unit_id or row.subject_id,
                message=message,
                critical=row.severity == "critical",
                correlation_id=uuid.uuid4(),
            ),
            way.above(row.escalation_level),
            way,
            escalated_from=alert_data(row, note=note.vi),
        )
    return len(due)


async def repeat_due(policy: Policy, session: AsyncSession) -> int:
    """Send again every open alert nobody acknowledged within the repeat interval of the last
    message about it that went out. The repeat waits for its own message to go (``repeat_at``
    is cleared until then), so quiet hours and days off hold one message, not a pile of them."""
    now = policy.clock.now()
    due = (
        await session.execute(
            select(alerts)
            .where(alerts.c.status == "open", alerts.c.repeat_at <= now)
            .limit(500)
            .with_for_update(skip_locked=True)  # another instance repeats the rows it holds
        )
    ).all()
    for row in due:
        waiting = await session.scalar(
            select(func.count()).where(
                deliveries.c.alert_id == row.alert_id,
                deliveries.c.kind == "alert",
                deliveries.c.status == "pending",
            )
        )
        if not waiting:
            await queue(policy, session, row.ward, alert_data(row), kind="alert")
        await session.execute(
            update(alerts)
            .where(alerts.c.alert_id == row.alert_id)
            .values(repeat_at=None, snoozed_until=None)
        )
    return len(due)


def next_repeat(policy: Policy, sent_at: datetime, snoozed_until: datetime | None) -> datetime:
    """When an alert whose message went out at ``sent_at`` is sent again if still open: one
    repeat interval later, or when its snooze ends if that is later."""
    repeat_at = sent_at + policy.repeat
    return max(repeat_at, snoozed_until) if snoozed_until else repeat_at


# --- commands from people -------------------------------------------------------------------------


async def _own_alert(session: AsyncSession, ward: str, person_id: str, alert_id: str) -> Any:
    row = (
        await session.execute(
            select(alerts).where(alerts.c.alert_id == alert_id, alerts.c.ward == ward)
        )
    ).first()
    if row is None or row.recipient_id != person_id:
        raise ApiError(404, "not_found")  # another person's alert is not shown to exist
    if row.status == "resolved":
        raise ApiError(409, "alert_resolved")
    return row


async def acknowledge(
    policy: Policy, session: AsyncSession, ward: str, person_id: str, alert_id: str
) -> str:
    """Stop repeats and escalation of one's own alert."""
    row = await _own_alert(session, ward, person_id, alert_id)
    if row.status == "acknowledged":
        return "acknowledged"
    now = policy.clock.now()
    await session.execute(
        update(alerts)
        .where(alerts.c.alert_id == alert_id)
        .values(status="acknowledged", acknowledged_at=now, updated_at=now, escalates_at=None)
    )
    actor = Actor(kind="person", id=person_id)
    await stage(
        session,
        plumbing.outbox,
        [alert_event(AlertAcknowledged, ward, alert_data(row), now, actor=actor)],
    )
    return "acknowledged"


async def snooze(
    policy: Policy, session: AsyncSession, ward: str, person_id: str, alert_id: str, hours: float
) -> datetime:
    """Hold the repeats of one's own alert for a while (escalation keeps its own time)."""
    row = await _own_alert(session, ward, person_id, alert_id)
    if row.status != "open":
        raise ApiError(409, "alert_not_open")
    until = policy.clock.now() + timedelta(hours=hours)
    await session.execute(
        update(alerts)
        .where(alerts.c.alert_id == alert_id)
        .values(snoozed_until=until, repeat_at=until, updated_at=policy.clock.now())
    )
    return until


async def set_preferences(
    policy: Policy,
    session: AsyncSession,
    ward: str,
    person_id: str,
    *,
    email: bool,
    webhook_url: str | None,
    digest: bool,
) -> None:
    known = await session.scalar(
        select(org_people.c.person_id).where(
            org_people.c.ward == ward, org_people.c.person_id == person_id
        )
    )
    if known is None:
        raise ApiError(404, "not_found", "person_id")
    values = {
        "email": email,
        "webhook_url": webhook_url,
        "digest": digest,
        "updated_at": policy.clock.now(),
    }
    statement = upsert(session, preferences).values(ward=ward, person_id=person_id, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["ward", "person_id"], set_=values)
    )
