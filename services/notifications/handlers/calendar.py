"""Each ward's working calendar: the one its deadlines, escalations and quiet hours count on, and
taking a new version of it from assessment (``assessment.calendar.published``)."""

from __future__ import annotations

from contracts.events import CalendarPublished
from services.notifications.adapters import alerts, deliveries, obligations, org
from services.notifications.domain.schedule import missed_after
from services.notifications.handlers.context import Context
from services.runtime.workdays import WorkingCalendar


async def ward_calendar(ctx: Context, ward: str) -> WorkingCalendar:
    """The ward's working calendar as assessment last published it (public holidays and
    weekends, plus its declared days off and make-up working days); the policy's stand-in
    until one is published."""
    published = await org.calendar_of(ctx.session, ward)
    return ctx.policy.calendar if published is None else WorkingCalendar.from_contract(published)


async def replace_calendar(ctx: Context, event: CalendarPublished) -> None:
    """Keep the ward's newest calendar (an older version arriving late changes nothing) and move
    onto it whatever was counted on the old one: deadlines not yet alerted, escalations to come,
    messages held by quiet hours."""
    ward, published = event.ward, event.data
    known = await org.calendar_version(ctx.session, ward)
    if known is not None and known >= published.version:
        return
    await org.keep_calendar(ctx.session, ward, published)
    calendar = await ward_calendar(ctx, ward)
    await _move_deadlines(ctx, ward, calendar)
    await _move_escalations(ctx, ward, calendar)
    await _move_held_messages(ctx, ward, calendar)


async def _move_deadlines(ctx: Context, ward: str, calendar: WorkingCalendar) -> None:
    deadlines = ctx.policy.deadlines(calendar)
    for row in await obligations.not_yet_alerted(ctx.session, ward):
        day = deadlines.due_day(row.rule, row.period, row.details)
        await obligations.change_expectation(
            ctx.session,
            ward,
            row.rule,
            row.subject_id,
            row.period,
            due_at=missed_after(day),
            details={**row.details, "due_on": day.isoformat()},
        )


async def _move_escalations(ctx: Context, ward: str, calendar: WorkingCalendar) -> None:
    deadlines = ctx.policy.deadlines(calendar)
    for alert in await alerts.climbing(ctx.session, ward, ctx.now):
        told_at = alert.opened_at or alert.created_at
        await alerts.change(
            ctx.session, alert.alert_id, escalates_at=deadlines.escalation_at(told_at)
        )


async def _move_held_messages(ctx: Context, ward: str, calendar: WorkingCalendar) -> None:
    window = ctx.policy.window(calendar)
    for delivery in await deliveries.held(ctx.session, ward, ctx.now):
        digest = ctx.policy.digest(bool(delivery.digest))
        send_after = window.send_at(ctx.now, critical=False, digest_at=digest)
        await deliveries.change(ctx.session, delivery.id, send_after=send_after)
