"""The alerts table: one alert per (ward, rule, subject, period, recipient), and the deliveries
that tell of it as far as alerts need them. Every function works inside the caller's
transaction; the ``due_*`` reads lock the rows they return (another instance of the service
takes the rows this one holds, ``FOR UPDATE SKIP LOCKED``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import Text
from services.notifications.adapters.tables import alerts, deliveries
from services.notifications.domain.texts import Message
from services.runtime.db import all_rows, batch_for_one, upsert

#: How many due alerts one pass takes; the next pass takes the rest.
BATCH = 500


def of_cause(table: Table, ward: str, rule: str, subject_id: str, period: str) -> tuple[Any, ...]:
    """The rows of one cause (ward, rule, subject, period) in ``expectations`` or ``alerts``."""
    return (
        table.c.ward == ward,
        table.c.rule == rule,
        table.c.subject_id == subject_id,
        table.c.period == period,
    )


def cause(ward: str, rule: str, subject_id: str, period: str) -> tuple[Any, ...]:
    """The alerts of one cause, for every recipient."""
    return of_cause(alerts, ward, rule, subject_id, period)


def _texts(message: Message) -> dict[str, str]:
    return {
        "title_vi": message.title.vi,
        "title_en": message.title.en,
        "body_vi": message.body.vi,
        "body_en": message.body.en,
    }


async def insert_new(session: AsyncSession, message: Message, **values: Any) -> str | None:
    """Insert an open alert unless its recipient already has one of that cause; its id, or
    None when there was one. ``values`` are the alert's other columns."""
    statement = upsert(session, alerts).values(**_texts(message), **values)
    inserted = (
        await session.execute(
            statement.on_conflict_do_nothing(
                index_elements=["ward", "rule", "subject_id", "period", "recipient_id"]
            ).returning(alerts.c.alert_id)
        )
    ).first()
    return None if inserted is None else str(inserted.alert_id)


@dataclass(frozen=True)
class ToldBefore:
    """Who was told of an alert before it was handed up, and when."""

    person_id: str
    full_name: str
    at: datetime


def open_state(
    now: datetime, escalates_at: datetime | None, told_before: ToldBefore | None = None
) -> dict[str, Any]:
    """The columns of an alert opened at ``now``, new or again: open, going one level up at
    ``escalates_at``, not repeated before a message about it went out; ``told_before`` when an
    escalation opens it (None: raised to its recipient directly)."""
    return {
        "status": "open",
        "opened_at": now,
        "updated_at": now,
        "escalates_at": escalates_at,
        "repeat_at": None,
        "told_before_id": told_before.person_id if told_before else None,
        "told_before_name": told_before.full_name if told_before else None,
        "told_before_at": told_before.at if told_before else None,
    }


async def reopen_resolved(
    session: AsyncSession,
    cause: Sequence[Any],
    recipient_id: str,
    message: Message,
    now: datetime,
    escalates_at: datetime | None,
    told_before: ToldBefore | None = None,
) -> str | None:
    """Open again, with what ``message`` says now, a recipient's resolved alert of ``cause``
    (``of_cause``); its id, or None if theirs is not resolved (it is still open)."""
    reopened = (
        await session.execute(
            update(alerts)
            .where(*cause, alerts.c.recipient_id == recipient_id, alerts.c.status == "resolved")
            .values(
                **_texts(message),
                **open_state(now, escalates_at, told_before),
                resolved_at=None,
                acknowledged_at=None,
                snoozed_until=None,
            )
            .returning(alerts.c.alert_id)
        )
    ).first()
    return None if reopened is None else str(reopened.alert_id)


async def resolve_cause(session: AsyncSession, cause: Sequence[Any], now: datetime) -> list[Any]:
    """Resolve every alert of ``cause`` not yet resolved; their rows."""
    return await all_rows(
        session,
        update(alerts)
        .where(*cause, alerts.c.status != "resolved")
        .values(status="resolved", resolved_at=now, updated_at=now)
        .returning(*alerts.c),
    )


async def annotate(
    session: AsyncSession,
    ward: str,
    rules: Sequence[str],
    subject_id: str,
    period: str,
    note: Text,
    now: datetime,
) -> int:
    """Add ``note`` to the body of every alert (any status, every recipient) of the causes
    ``rules`` × ``subject_id`` × ``period`` that does not hold it yet; how many were changed."""
    held = alerts.c.body_vi.contains(note.vi, autoescape=True)
    result = await session.execute(
        update(alerts)
        .where(
            alerts.c.ward == ward,
            alerts.c.rule.in_(rules),
            alerts.c.subject_id == subject_id,
            alerts.c.period == period,
            ~held,
        )
        .values(
            body_vi=alerts.c.body_vi + " " + note.vi,
            body_en=alerts.c.body_en + " " + note.en,
            updated_at=now,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def was_told(session: AsyncSession, alert_id: str) -> bool:
    """Whether any message about the alert went out."""
    sent = await session.scalar(
        select(func.count()).where(deliveries.c.alert_id == alert_id, deliveries.c.status == "sent")
    )
    return bool(sent)


async def first_sent_at(session: AsyncSession, alert_id: str) -> datetime | None:
    return await session.scalar(
        select(func.min(deliveries.c.sent_at)).where(
            deliveries.c.alert_id == alert_id, deliveries.c.status == "sent"
        )
    )


async def message_waiting(session: AsyncSession, alert_id: str) -> bool:
    """Whether a message raising the alert is still waiting to go."""
    waiting = await session.scalar(
        select(func.count()).where(
            deliveries.c.alert_id == alert_id,
            deliveries.c.kind == "alert",
            deliveries.c.status == "pending",
        )
    )
    return bool(waiting)


async def due_escalations(session: AsyncSession, now: datetime) -> list[Any]:
    """Open alerts past their escalation time, oldest first, locked."""
    return await all_rows(
        session,
        batch_for_one(
            select(alerts).where(alerts.c.status == "open", alerts.c.escalates_at <= now),
            alerts.c.escalates_at,
            BATCH,
        ),
    )


async def due_repeats(session: AsyncSession, now: datetime) -> list[Any]:
    """Open alerts past their repeat time, locked."""
    return await all_rows(
        session,
        batch_for_one(
            select(alerts).where(alerts.c.status == "open", alerts.c.repeat_at <= now), None, BATCH
        ),
    )


async def find(session: AsyncSession, ward: str, alert_id: str) -> Any:
    """The alert's row in the ward, or None."""
    return (
        await session.execute(
            select(alerts).where(alerts.c.alert_id == alert_id, alerts.c.ward == ward)
        )
    ).first()


async def change(session: AsyncSession, alert_id: str, **values: Any) -> None:
    """Set columns of one alert."""
    await session.execute(update(alerts).where(alerts.c.alert_id == alert_id).values(**values))


async def set_next_repeat(session: AsyncSession, alert_id: str, at: datetime) -> None:
    """Repeat the alert at ``at`` if it is still open."""
    await session.execute(
        update(alerts)
        .where(alerts.c.alert_id == alert_id, alerts.c.status == "open")
        .values(repeat_at=at)
    )


async def climbing(session: AsyncSession, ward: str, now: datetime) -> list[Any]:
    """The ward's open alerts still to escalate (``alert_id``, ``opened_at``, ``created_at``)."""
    return await all_rows(
        session,
        select(alerts.c.alert_id, alerts.c.opened_at, alerts.c.created_at).where(
            alerts.c.ward == ward, alerts.c.status == "open", alerts.c.escalates_at > now
        ),
    )
