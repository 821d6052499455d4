"""The notifications service layer: each ward's policy and calendar, the org chart as kept, and
the alerts: raise, escalate, repeat and resolve them, queue their deliveries, and take
acknowledgements, snoozes and preferences. What comes from the bus is in ``intake``; the
deadlines, worked out from what is true now of each submission, in ``deadlines``.

Every function is given a session and works inside the caller's transaction; time always comes
from the policy's clock, never from the machine, and the days it counts from the ward's calendar.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select, update
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
    CalendarPublishedData,
    OrgPerson,
)
from contracts.roles import Role
from services.notifications.adapters.tables import (
    alerts,
    calendars,
    deliveries,
    org_people,
    org_units,
    plumbing,
    preferences,
)
from services.notifications.domain import rules
from services.notifications.domain.low_scores import Message
from services.notifications.domain.messages import escalated, escalation_note
from services.notifications.domain.schedule import Deadlines, SendWindow
from services.notifications.metrics import ALERTS_ESCALATED, ALERTS_RAISED, ALERTS_SUPPRESSED
from services.notifications.settings import NotificationsSettings
from services.runtime.clock import Clock
from services.runtime.db import upsert
from services.runtime.errors import ApiError
from services.runtime.hooks import Bell, after_commit
from services.runtime.outbox import stage
from services.runtime.workdays import WorkingCalendar

#: Rung after a commit that queued a delivery, so the scheduler sends it at once.
QUEUED = Bell()
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


# --- the org chart as kept ------------------------------------------------------------------------


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


def rows_of_cause(
    table: Table, ward: str, rule: str, subject_id: str, period: str
) -> tuple[Any, ...]:
    """The rows of one cause (ward, rule, subject, period) in ``expectations`` or ``alerts``."""
    return (
        table.c.ward == ward,
        table.c.rule == rule,
        table.c.subject_id == subject_id,
        table.c.period == period,
    )


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
                        *rows_of_cause(
                            alerts, cause.ward, cause.rule, cause.subject_id, cause.period
                        ),
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
    after_commit(session, QUEUED.ring)


async def resolve(
    policy: Policy, session: AsyncSession, ward: str, rule: str, subject_id: str, period: str
) -> None:
    """The cause has cleared: close its alerts and tell those who were told."""
    now = policy.clock.now()
    rows = (
        await session.execute(
            update(alerts)
            .where(
                *rows_of_cause(alerts, ward, rule, subject_id, period),
                alerts.c.status != "resolved",
            )
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
