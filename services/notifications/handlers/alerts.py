"""Raising and resolving alerts: one alert per (rule, subject, period, recipient), however often
its cause is seen, reopened when the cause comes back, resolved when it clears; each change is
told on the bus (``notifications.alert.*``) and queued for the recipient's channels."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts.envelope import SYSTEM, Actor, Event
from contracts.events import (
    AlertAcknowledged,
    AlertData,
    AlertDelivered,
    AlertEscalated,
    AlertRaised,
    AlertResolved,
    OrgPerson,
)
from services.notifications.adapters import alerts
from services.notifications.domain import rules
from services.notifications.domain.texts import Message
from services.notifications.handlers.calendar import ward_calendar
from services.notifications.handlers.context import Context
from services.notifications.handlers.deliveries import queue
from services.notifications.metrics import ALERTS_RAISED, ALERTS_SUPPRESSED
from services.runtime.db import from_row

AlertEvent = (
    type[AlertRaised]
    | type[AlertDelivered]
    | type[AlertAcknowledged]
    | type[AlertEscalated]
    | type[AlertResolved]
)


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
    #: The correlation of the event it continues; a cause of its own starts one.
    correlation_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @classmethod
    def of_row(
        cls, row: Any, *, period: str, unit_id: str, message: Message, critical: bool
    ) -> Raising:
        """The cause of a stored row (an alert, a watched deadline): its ward, rule and subject,
        with a correlation of its own."""
        return cls(row.ward, row.rule, row.subject_id, period, unit_id, message, critical)

    @property
    def severity(self) -> str:
        return "critical" if self.critical else "warning"

    def rows(self) -> tuple[Any, ...]:
        return alerts.cause(self.ward, self.rule, self.subject_id, self.period)

    def addressed(self, person: OrgPerson, level: int) -> dict[str, Any]:
        """What the alert of this cause to ``person`` at escalation ``level`` says of itself:
        the fields its stored row and its event share."""
        return {
            "rule": self.rule,
            "subject_id": self.subject_id,
            "period": self.period,
            "recipient_id": person.person_id,
            "severity": self.severity,
            "escalation_level": level,
        }


async def raise_alerts(
    ctx: Context,
    cause: Raising,
    recipients: Sequence[tuple[int, OrgPerson]],
    way: rules.Route,
    escalated_from: AlertData | None = None,
    told_before: alerts.ToldBefore | None = None,
) -> list[AlertData]:
    """One alert per (rule, subject, period, recipient), however often the cause is seen: a
    recipient who already has it gets nothing more; a resolved one is opened again, with what
    the cause says now. Escalation counts the ward's working days from now; repeats count from
    the first message that actually goes out (``repeat_at`` is set when one is sent). Emits
    ``AlertRaised`` (``AlertEscalated`` for ``escalated_from``) for each alert opened; returns
    their data. ``told_before``: who had it before an escalation handed it up (kept on the
    alerts it opens, so the inbox says "escalated" of these alone)."""
    deadlines = ctx.policy.deadlines(await ward_calendar(ctx, cause.ward))
    made: list[AlertData] = []
    for level, person in recipients:
        escalates_at = None if way.is_top(level) else deadlines.escalation_at(ctx.now)
        alert_id = await _open_for(ctx, cause, level, person, escalates_at, told_before)
        if alert_id is None:
            ALERTS_SUPPRESSED.labels(cause.rule, "duplicate").inc()
            continue
        data = AlertData(
            alert_id=uuid.UUID(alert_id),
            **cause.addressed(person, level),
            note=escalated_from.note if escalated_from else None,
        )
        made.append(data)
        ALERTS_RAISED.labels(cause.rule).inc()
        await queue(ctx, cause.ward, data, kind="alert")
    kind = AlertEscalated if escalated_from else AlertRaised
    ctx.uow.emit(*(alert_event(kind, cause.ward, d, ctx.now, cause.correlation_id) for d in made))
    return made


async def _open_for(
    ctx: Context,
    cause: Raising,
    level: int,
    person: OrgPerson,
    escalates_at: datetime | None,
    told_before: alerts.ToldBefore | None,
) -> str | None:
    """Open the recipient's alert of ``cause`` (new, or their resolved one again); its id, or
    None when they already have it open."""
    now = ctx.now
    inserted = await alerts.insert_new(
        ctx.session,
        cause.message,
        alert_id=str(uuid.uuid4()),
        ward=cause.ward,
        unit_id=cause.unit_id,
        **cause.addressed(person, level),
        created_at=now,
        **alerts.open_state(now, escalates_at, told_before),
    )
    if inserted is not None:
        return inserted
    return await alerts.reopen_resolved(
        ctx.session, cause.rows(), person.person_id, cause.message, now, escalates_at, told_before
    )


async def resolve(ctx: Context, ward: str, rule: str, subject_id: str, period: str) -> None:
    """The cause has cleared: close its alerts, queue a resolved notice for those who were told
    of them, and emit ``AlertResolved`` for each."""
    cause = alerts.cause(ward, rule, subject_id, period)
    rows = await alerts.resolve_cause(ctx.session, cause, ctx.now)
    for row in rows:
        if await alerts.was_told(ctx.session, row.alert_id):
            await queue(ctx, ward, alert_data(row), kind="resolved")
    ctx.uow.emit(*(alert_event(AlertResolved, ward, alert_data(r), ctx.now) for r in rows))


def alert_event(
    kind: AlertEvent,
    ward: str,
    data: AlertData,
    now: datetime,
    correlation_id: uuid.UUID | None = None,
    actor: Actor = SYSTEM,
) -> Event:
    """The bus event of ``kind`` about one alert."""
    return kind(
        ward=ward,
        occurred_at=now,
        actor=actor,
        correlation_id=correlation_id or uuid.uuid4(),
        data=data,
    )


def alert_data(row: Any, **changes: Any) -> AlertData:
    """An alert's row as the events carry it (``changes`` add ``note``, ``channel``)."""
    return from_row(AlertData, row, alert_id=uuid.UUID(row.alert_id), **changes)
