"""People's commands: acknowledge one's alert, snooze its repeats, choose one's channels.

Each command is a typed message dispatched through :data:`COMMANDS` (one handler per type);
the HTTP edge and the signed links in messages both send them there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from contracts.envelope import Actor
from contracts.events import AlertAcknowledged
from services.notifications.adapters import alerts, deliveries, org
from services.notifications.handlers.alerts import alert_data, alert_event
from services.notifications.handlers.context import Context
from services.runtime.dispatch import Registry
from services.runtime.refusals import Kind, Refusal


@dataclass(frozen=True)
class Acknowledge:
    """Stop the repeats and escalation of one's own alert."""

    ward: str
    person_id: str
    alert_id: str


@dataclass(frozen=True)
class Snooze:
    """Hold the repeats of one's own open alert for ``hours`` (escalation keeps its own time)."""

    ward: str
    person_id: str
    alert_id: str
    hours: float


@dataclass(frozen=True)
class SetPreferences:
    """A person's channels: e-mail on or off, a webhook address, the daily digest."""

    ward: str
    person_id: str
    email: bool
    webhook_url: str | None
    digest: bool


#: Every person's command of this service, by type.
COMMANDS: Registry[Context, Any] = Registry("notifications commands")


async def _own_alert(ctx: Context, ward: str, person_id: str, alert_id: str) -> Any:
    """The person's alert, not resolved; refuses another person's alert as not found (it is not
    shown to exist) and a resolved one as a conflict."""
    row = await alerts.find(ctx.session, ward, alert_id)
    if row is None or row.recipient_id != person_id:
        raise Refusal(Kind.NOT_FOUND, "not_found")
    if row.status == "resolved":
        raise Refusal(Kind.CONFLICT, "alert_resolved")
    return row


@COMMANDS.register(Acknowledge)
async def acknowledge(ctx: Context, command: Acknowledge) -> str:
    """Acknowledge the alert (once: acknowledging again changes nothing) and emit
    ``AlertAcknowledged`` by the person; returns its status, "acknowledged"."""
    row = await _own_alert(ctx, command.ward, command.person_id, command.alert_id)
    if row.status == "acknowledged":
        return "acknowledged"
    now = ctx.now
    await alerts.change(
        ctx.session,
        command.alert_id,
        status="acknowledged",
        acknowledged_at=now,
        updated_at=now,
        escalates_at=None,
    )
    actor = Actor(kind="person", id=command.person_id)
    ctx.uow.emit(alert_event(AlertAcknowledged, command.ward, alert_data(row), now, actor=actor))
    return "acknowledged"


@COMMANDS.register(Snooze)
async def snooze(ctx: Context, command: Snooze) -> datetime:
    """Hold the repeats until ``hours`` from now; returns that moment. Refuses an alert that is
    not open (acknowledged or escalated) with ``alert_not_open``."""
    row = await _own_alert(ctx, command.ward, command.person_id, command.alert_id)
    if row.status != "open":
        raise Refusal(Kind.CONFLICT, "alert_not_open")
    until = ctx.now + timedelta(hours=command.hours)
    await alerts.change(
        ctx.session, command.alert_id, snoozed_until=until, repeat_at=until, updated_at=ctx.now
    )
    return until


@COMMANDS.register(SetPreferences)
async def set_preferences(ctx: Context, command: SetPreferences) -> None:
    """Keep the person's channels; refuses someone the ward's chart does not name."""
    if not await org.is_known(ctx.session, command.ward, command.person_id):
        raise Refusal(Kind.NOT_FOUND, "not_found", "person_id")
    values = {
        "email": command.email,
        "webhook_url": command.webhook_url,
        "digest": command.digest,
        "updated_at": ctx.now,
    }
    await deliveries.save_preference(ctx.session, command.ward, command.person_id, values)
