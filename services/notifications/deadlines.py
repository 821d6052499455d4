"""Deadlines: each ward's calendar, notifications' copy of what is true now of each submission
(``records``), the obligations it leaves owed (``domain.obligations``), and alerting each once it
is missed. A deadline is met by what stands now: a withdrawn audit, a returned self-assessment,
a reopened corrective action are owed again.

Every function is given a session and works inside the caller's transaction.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import (
    AuditAmended,
    AuditSubmitted,
    AuditWithdrawn,
    CalendarPublished,
    CorrectiveActionClosed,
    CorrectiveActionOpened,
    CorrectiveActionReopened,
    OrgPerson,
    SelfAssessmentReviewed,
    SelfAssessmentSubmitted,
)
from contracts.periods import Month
from services.notifications.adapters.tables import (
    alerts,
    calendars,
    deliveries,
    expectations,
    org_units,
    preferences,
    records,
)
from services.notifications.domain import obligations as owed
from services.notifications.domain import rules
from services.notifications.domain.messages import Facts, deadline_message
from services.notifications.domain.obligations import Obligation, Record
from services.notifications.domain.schedule import local_day, missed_after
from services.notifications.handlers import (
    Policy,
    Raising,
    load_people,
    raise_alerts,
    resolve,
    rows_of_cause,
    unit_name,
    ward_calendar,
)
from services.runtime.db import upsert
from services.runtime.workdays import WorkingCalendar

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


def _key(ward: str, rule: str, subject_id: str, period: str) -> tuple[Any, ...]:
    return rows_of_cause(expectations, ward, rule, subject_id, period)


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
