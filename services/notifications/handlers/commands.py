"""People's commands: acknowledge one's alert, snooze its repeats, choose one's channels, move the
demo clock. Each goes through the runtime's one command pipeline (``services.runtime.commands``:
metrics, the entry's roles, idempotency by the caller's key, the unit of work), keyed by its
body's class (``contracts.notification_commands``); the HTTP edge and the signed links in
messages both send them there (:class:`People`).

Every person's command is judged by the caller's seat in the ward's org chart as this service
keeps it (``assessment.org.published``): a recipient no longer in the chart acknowledges,
snoozes and chooses nothing from their next request on (issue 14, item 4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from prometheus_client import Counter

from contracts.envelope import Actor
from contracts.events import AlertAcknowledged
from contracts.notification_commands import (
    AcknowledgeCommand,
    ClockBody,
    PreferencesCommand,
    SnoozeCommand,
)
from contracts.roles import Role
from services.notifications.adapters import alerts, org
from services.notifications.adapters.tables import plumbing
from services.notifications.adapters.webhooks import AddressGuard
from services.notifications.domain.policy import Policy
from services.notifications.handlers import webhooks
from services.notifications.handlers.alerts import alert_data, alert_event
from services.notifications.handlers.context import Context
from services.runtime.auth import Principal, seated
from services.runtime.clock import Clock, ClockFixed, FrozenClock
from services.runtime.commands import Answer, CommandContext, Commands, command_registry
from services.runtime.db import SessionFactory
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork

COMMANDS_TOTAL = Counter(
    "ward5s_notifications_commands_total",
    "People's commands by kind and outcome (accepted, replayed for a repeated idempotency key, "
    "refused_<status>).",
    ["kind", "outcome"],
)


class Command(CommandContext):
    """A command's context in this service: the pipeline's (its moment read once from the
    service's clock, its unit of work on that moment), plus the policy, the clock itself and a
    way to wake the scheduler."""

    def __init__(self, people: People, principal: Principal, key: str | None) -> None:
        now = people.clock.now()
        units = UnitOfWork.factory(people.sessions, plumbing.outbox, FrozenClock(now))
        super().__init__(principal, key, people.sessions, units, now)
        self.policy = people.policy
        self.clock = people.clock
        self.wake = people.wake
        self.guard = people.guard

    @property
    def ctx(self) -> Context:
        """What the service's handlers are given: the policy and this command's unit of work."""
        return Context(self.policy, self.uow)


async def seat(command: Command) -> Principal:
    """The caller as the ward's chart kept here has them (role, unit, units in charge); 403
    ``not_in_org_chart`` for someone it does not name."""
    caller = command.principal
    async with command.sessions() as session:
        row = await org.person(session, caller.ward, caller.subject_id)
    if row is None:
        raise Refusal(Kind.FORBIDDEN, "not_in_org_chart")
    return seated(caller.subject_id, caller.ward, row)


COMMANDS = command_registry(
    "notifications commands", COMMANDS_TOTAL, plumbing.idempotency, seat=seat
)


def may_manage(caller: Principal, person_id: str) -> None:
    """Refuse (403) anyone but the person themselves or an admin."""
    if caller.subject_id != person_id and caller.role is not Role.ADMIN:
        raise Refusal(Kind.FORBIDDEN, "forbidden")


async def _own_alert(command: Command, alert_id: str) -> Any:
    """The caller's alert, not resolved; refuses another person's alert as not found (it is not
    shown to exist) and a resolved one as a conflict."""
    caller = command.principal
    row = await alerts.find(command.uow.session, caller.ward, alert_id)
    if row is None or row.recipient_id != caller.subject_id:
        raise Refusal(Kind.NOT_FOUND, "not_found")
    if row.status == "resolved":
        raise Refusal(Kind.CONFLICT, "alert_resolved")
    return row


@COMMANDS.register(AcknowledgeCommand, name="acknowledge")
async def acknowledge(command: Command, body: AcknowledgeCommand) -> Answer:
    """Acknowledge the alert (once: acknowledging again changes nothing) and emit
    ``AlertAcknowledged`` by the person; answers ``{alert_id, status: "acknowledged"}``."""
    answer = {"alert_id": body.alert_id, "status": "acknowledged"}
    row = await _own_alert(command, body.alert_id)
    if row.status == "acknowledged":
        return answer
    ctx, caller = command.ctx, command.principal
    await alerts.change(
        ctx.session,
        body.alert_id,
        status="acknowledged",
        acknowledged_at=ctx.now,
        updated_at=ctx.now,
        escalates_at=None,
    )
    actor = Actor(kind="person", id=caller.subject_id)
    ctx.uow.emit(alert_event(AlertAcknowledged, caller.ward, alert_data(row), ctx.now, actor=actor))
    return answer


@COMMANDS.register(SnoozeCommand, name="snooze")
async def snooze(command: Command, body: SnoozeCommand) -> Answer:
    """Hold the repeats for ``hours`` from now (escalation keeps its own time); answers
    ``{alert_id, status: "open", snoozed_until}``. Refuses an alert that is not open
    (acknowledged or escalated) with ``alert_not_open``."""
    row = await _own_alert(command, body.alert_id)
    if row.status != "open":
        raise Refusal(Kind.CONFLICT, "alert_not_open")
    ctx = command.ctx
    until = ctx.now + timedelta(hours=body.hours)
    await alerts.change(
        ctx.session, body.alert_id, snoozed_until=until, repeat_at=until, updated_at=ctx.now
    )
    return {"alert_id": body.alert_id, "status": "open", "snoozed_until": until.isoformat()}


@COMMANDS.register(PreferencesCommand, name="preferences")
async def set_preferences(command: Command, body: PreferencesCommand) -> Answer:
    """Keep the person's channels (``handlers.webhooks.save``); answers them with the webhook's
    signing secret. Refuses (403) another person's unless the caller is an admin, (404) someone
    the ward's chart does not name, and (422) a webhook address it may not reach."""
    may_manage(command.principal, body.person_id)
    ctx, ward = command.ctx, command.principal.ward
    if not await org.is_known(ctx.session, ward, body.person_id):
        raise Refusal(Kind.NOT_FOUND, "not_found", "person_id")
    webhook = str(body.webhook_url) if body.webhook_url else None
    chosen = {"email": body.email, "webhook_url": webhook, "digest": body.digest}
    return await webhooks.save(ctx, command.guard, ward, body.person_id, chosen)


# The demo clock is the stack's (refused in production), not a right of the org chart.
@COMMANDS.register(ClockBody, name="clock", roles=frozenset({Role.ADMIN}), seated=False)
async def move_clock(command: Command, body: ClockBody) -> Answer:
    """Move the demo clock to ``set_to`` or forward by ``advance_seconds`` and wake the scheduler;
    answers ``{now, adjustable: true}``. Refuses (409 ``clock_fixed``) in production."""
    try:
        if body.set_to is not None:
            now = command.clock.set(body.set_to)
        elif body.advance_seconds is not None:
            now = command.clock.advance(body.advance_seconds)
        else:
            raise Refusal(Kind.INVALID, "clock_change_required", "advance_seconds")
    except ClockFixed:
        raise Refusal(Kind.CONFLICT, "clock_fixed") from None
    command.wake()
    return {"now": now.isoformat(), "adjustable": True}


class People(Commands[Command]):
    """The command table bound to this service's database, policy, clock, scheduler and the
    guard of webhook addresses."""

    def __init__(
        self,
        sessions: SessionFactory,
        policy: Policy,
        clock: Clock,
        wake: Callable[[], None],
        guard: AddressGuard = AddressGuard(),
    ) -> None:
        super().__init__(COMMANDS, partial(Command, self))
        self.sessions = sessions
        self.policy = policy
        self.clock = clock
        self.wake = wake
        self.guard = guard
