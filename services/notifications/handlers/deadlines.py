"""Deadlines: bringing each in line with what is true now (``settle``), watching each month's
self-assessments and audits (``ensure_month``), and alerting each deadline once it is missed
(``raise_missed``). A deadline counts on its ward's calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from contracts.events import OrgPerson
from contracts.periods import Month
from services.notifications.adapters import obligations, org
from services.notifications.domain import rules
from services.notifications.domain.messages import Facts, deadline_message
from services.notifications.domain.obligations import Obligation
from services.notifications.domain.schedule import Deadlines, missed_after
from services.notifications.handlers.alerts import Raising, raise_alerts, resolve
from services.notifications.handlers.calendar import ward_calendar
from services.notifications.handlers.context import Context

#: Obligations watched from their own events; a month's self-assessments and audits are watched
#: from ``ensure_month`` (a deployment does not alert months before it existed).
_WATCHED_FROM_EVENTS = frozenset(
    {rules.REVIEW_OVERDUE, rules.ACTION_OVERDUE, rules.FOLLOW_UP_OVERDUE, rules.CALL_BACK_OVERDUE}
)


async def settle(ctx: Context, ward: str, obligation: Obligation) -> None:
    """Bring one deadline in line with what is true now.

    Met: stop watching it and resolve its alerts (those who were told get a resolved notice).
    Owed: watch it by its deadline on the ward's calendar; if it was met before, or it is a new
    instance (a resubmission waiting for review, an action reopened with a new due date), it
    is owed afresh and alerted again once missed."""
    key = (ward, obligation.rule, obligation.subject_id, obligation.period)
    row = await obligations.lock_expectation(ctx.session, *key)
    if obligation.owed:
        await _owed(ctx, ward, obligation, row)
    elif row is None:  # met before it was watched: remember, so it is never alerted
        await obligations.add_expectation(
            ctx.session,
            *key,
            unit_id=obligation.unit_id,
            person_id=obligation.person_id,
            met_at=ctx.now,
            details=dict(obligation.basis),
        )
    elif row.met_at is None:
        await obligations.change_expectation(ctx.session, *key, met_at=ctx.now)
        period = row.details.get("period", obligation.period)
        await resolve(ctx, ward, obligation.rule, obligation.subject_id, period)


async def _owed(ctx: Context, ward: str, obligation: Obligation, row: Any) -> None:
    rule, period = obligation.rule, obligation.period
    details: dict[str, Any] = {**obligation.basis, "instance": obligation.instance}
    due_at = None
    if (row.due_at is not None) if row is not None else rule in _WATCHED_FROM_EVENTS:
        calendar = await ward_calendar(ctx, ward)
        day = ctx.policy.deadlines(calendar).due_day(rule, period, obligation.basis)
        due_at, details["due_on"] = missed_after(day), day.isoformat()
    values: dict[str, Any] = {
        "unit_id": obligation.unit_id,
        "person_id": obligation.person_id,
        "due_at": due_at,
        "met_at": None,
        "details": details,
    }
    key = (ward, rule, obligation.subject_id, period)
    if row is None:
        await obligations.add_expectation(ctx.session, *key, **values)
        return
    if row.met_at is not None or row.details.get("instance", "") != obligation.instance:
        values["raised_at"] = None  # owed afresh: alerted again once missed
    await obligations.change_expectation(ctx.session, *key, **values)


async def ensure_month(ctx: Context, ward: str, month: Month) -> None:
    """Watch the month's self-assessments (every official) and audits (every unit), and every
    unit's review of the month (and of the quarter or year the month ends), by the ward's
    calendar. What was met before it was watched stays met; its deadline is filled in, so it
    is watched if it is owed again (a return, a withdrawal)."""
    people = await org.load_people(ctx.session, ward)
    units = await org.unit_ids(ctx.session, ward)
    deadlines = ctx.policy.deadlines(await ward_calendar(ctx, ward))
    self_assessment_day = deadlines.due_day(rules.SELF_ASSESSMENT_MISSING, month.key, {})
    audit_day = deadlines.due_day(rules.AUDIT_MISSING, month.key, {})

    def watched(
        rule: str,
        subject_id: str,
        unit_id: str | None,
        person_id: str | None,
        day: date,
        period: str = month.key,
    ) -> Any:
        return {
            "ward": ward,
            "rule": rule,
            "subject_id": subject_id,
            "period": period,
            "unit_id": unit_id,
            "person_id": person_id,
            "due_at": missed_after(day),
            "details": {"due_on": day.isoformat()},
        }

    await obligations.watch(
        ctx.session,
        [
            watched(
                rules.SELF_ASSESSMENT_MISSING,
                p.person_id,
                p.unit_id,
                p.person_id,
                self_assessment_day,
            )
            for p in rules.expected_self_assessors(people)
        ]
        + [watched(rules.AUDIT_MISSING, u, u, None, audit_day) for u in units]
        + [
            watched(rules.PERIOD_REVIEW_MISSING, u, u, None, day, period)
            for period, day in _reviewed_periods(deadlines, month)
            for u in units
        ],
    )


def _reviewed_periods(deadlines: Deadlines, month: Month) -> list[tuple[str, date]]:
    """The periods a unit reviews that ``month`` ends (the month; its quarter in March, June,
    September and December; its year in December), each with its review's last day."""
    keys = [month.key]
    if month.month % 3 == 0:
        keys.append(f"{month.year:04d}-Q{month.month // 3}")
    if month.month == 12:
        keys.append(f"{month.year:04d}")
    return [(key, deadlines.due_day(rules.PERIOD_REVIEW_MISSING, key, {})) for key in keys]


async def raise_missed(ctx: Context) -> int:
    """Alert every deadline that has passed without what it waited for, each once, to the first
    level of its rule's route. Returns how many were alerted."""
    missed = await obligations.missed(ctx.session, ctx.now)
    async for row, people in org.with_people(ctx.session, missed):
        await _alert_missed(ctx, row, people)
        await obligations.change_expectation(
            ctx.session, row.ward, row.rule, row.subject_id, row.period, raised_at=ctx.now
        )
    return len(missed)


async def _alert_missed(ctx: Context, row: Any, people: list[OrgPerson]) -> None:
    details = row.details
    period = details.get("period", row.period)
    names = {p.person_id: p.full_name for p in people}
    facts = Facts(
        unit=await org.unit_name(ctx.session, row.ward, row.unit_id),
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
        ctx,
        Raising.of_row(
            row,
            period=period,
            unit_id=row.unit_id,
            message=deadline_message(row.rule, facts),
            critical=False,
        ),
        way.initial(),
        way,
    )
