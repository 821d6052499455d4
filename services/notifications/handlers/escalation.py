"""Alerts left alone: handed one level up once their escalation time passes unacknowledged, and
sent again after the repeat interval. Both lock the rows they change (another instance of the
service takes the others), so each escalation and each repeat happens once."""

from __future__ import annotations

from typing import Any

from contracts.common import Text
from contracts.events import OrgPerson
from contracts.roles import Role
from services.notifications.adapters import alerts, org
from services.notifications.domain import rules
from services.notifications.domain.messages import escalated, escalation_note
from services.notifications.domain.texts import Message
from services.notifications.handlers.alerts import Raising, alert_data, raise_alerts
from services.notifications.handlers.context import Context
from services.notifications.handlers.deliveries import queue
from services.notifications.metrics import ALERTS_ESCALATED


async def escalate_due(ctx: Context) -> int:
    """Hand every alert left unacknowledged past its escalation time one level up: the alert is
    marked escalated and the next level of its rule's route gets it, with a note of who was told
    and when. Returns how many alerts went up."""
    due = await alerts.due_escalations(ctx.session, ctx.now)
    async for row, people in org.with_people(ctx.session, due):
        await _escalate(ctx, row, people)
    return len(due)


async def _escalate(ctx: Context, row: Any, people: list[OrgPerson]) -> None:
    told_before, role = await _told_before(ctx, row, people)
    note = escalation_note(told_before.full_name, role, told_before.at)
    way = rules.route(row.rule, row.unit_id or row.subject_id, people)
    message = escalated(
        Message(Text(vi=row.title_vi, en=row.title_en), Text(vi=row.body_vi, en=row.body_en)),
        note,
    )
    await alerts.change(
        ctx.session, row.alert_id, status="escalated", escalated_at=ctx.now, updated_at=ctx.now
    )
    ALERTS_ESCALATED.labels(row.rule).inc()
    await raise_alerts(
        ctx,
        Raising.of_row(
            row,
            period=row.period,
            unit_id=row.unit_id or row.subject_id,
            message=message,
            critical=row.severity == "critical",
        ),
        way.above(row.escalation_level),
        way,
        escalated_from=alert_data(row, note=note.vi),
        told_before=told_before,
    )


async def _told_before(
    ctx: Context, row: Any, people: list[OrgPerson]
) -> tuple[alerts.ToldBefore, Role]:
    """Who was told and since when (the first message that went out, else the alert's birth),
    and their role."""
    told = next((p for p in people if p.person_id == row.recipient_id), None)
    first_sent = await alerts.first_sent_at(ctx.session, row.alert_id)
    name = told.full_name if told else row.recipient_id
    at = first_sent or row.created_at
    return alerts.ToldBefore(row.recipient_id, name, at), told.role if told else Role.STAFF


async def repeat_due(ctx: Context) -> int:
    """Send again every open alert nobody acknowledged within the repeat interval of the last
    message about it that went out. The repeat waits for its own message to go (``repeat_at``
    is cleared until then), so quiet hours and days off hold one message, not a pile of them.
    Returns how many alerts were due."""
    due = await alerts.due_repeats(ctx.session, ctx.now)
    for row in due:
        if not await alerts.message_waiting(ctx.session, row.alert_id):
            await queue(ctx, row.ward, alert_data(row), kind="alert")
        await alerts.change(ctx.session, row.alert_id, repeat_at=None, snoozed_until=None)
    return len(due)
