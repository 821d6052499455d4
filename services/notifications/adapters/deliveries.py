"""The deliveries outbox and each person's channel preferences. Every function works inside the
caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.adapters.tables import (
    alerts,
    deliveries,
    org_people,
    org_versions,
    preferences,
)
from services.runtime.db import all_rows, batch_for_one, upsert

#: How many due deliveries one pass claims; the next pass claims the rest.
BATCH = 1000


async def preference(session: AsyncSession, ward: str, person_id: str) -> Any:
    """The person's chosen channels (``email``, ``webhook_url``, ``digest``), or None."""
    return (
        await session.execute(
            select(preferences).where(
                preferences.c.ward == ward, preferences.c.person_id == person_id
            )
        )
    ).first()


async def save_preference(
    session: AsyncSession, ward: str, person_id: str, values: dict[str, Any]
) -> None:
    statement = upsert(session, preferences).values(ward=ward, person_id=person_id, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["ward", "person_id"], set_=values)
    )


def _of(ward: str, person_id: str) -> Any:
    return (preferences.c.ward == ward) & (preferences.c.person_id == person_id)


async def webhook_failed(session: AsyncSession, ward: str, person_id: str) -> int:
    """Count one more failed message of the person's webhook; how many failed in a row now."""
    failures = await session.scalar(
        update(preferences)
        .where(_of(ward, person_id))
        .values(webhook_failures=preferences.c.webhook_failures + 1)
        .returning(preferences.c.webhook_failures)
    )
    return int(failures or 0)


async def webhook_worked(session: AsyncSession, ward: str, person_id: str) -> None:
    """A message of the person's webhook went through: its run of failures is over."""
    await session.execute(
        update(preferences)
        .where(_of(ward, person_id), preferences.c.webhook_failures != 0)
        .values(webhook_failures=0)
    )


async def disable_webhook(session: AsyncSession, ward: str, person_id: str, now: datetime) -> bool:
    """Turn the person's webhook off, and drop its messages still waiting; False when it was
    off already."""
    turned = await session.execute(
        update(preferences)
        .where(_of(ward, person_id), preferences.c.webhook_disabled_at.is_(None))
        .values(webhook_disabled_at=now)
    )
    if not turned.rowcount:  # type: ignore[attr-defined]
        return False
    await session.execute(
        update(deliveries)
        .where(
            deliveries.c.ward == ward,
            deliveries.c.recipient_id == person_id,
            deliveries.c.channel == "webhook",
            deliveries.c.status == "pending",
        )
        .values(status="dropped", last_error="webhook turned off", claimed_until=None)
    )
    return True


async def add(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await session.execute(deliveries.insert(), list(rows))


async def held(session: AsyncSession, ward: str, now: datetime) -> list[Any]:
    """The ward's pending non-critical first attempts held for later (``id``, ``digest``)."""
    return await all_rows(
        session,
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
        ),
    )


async def change(session: AsyncSession, delivery_id: int, **values: Any) -> None:
    await session.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**values))


async def name_message(session: AsyncSession, ids: Sequence[int], message_id: str) -> None:
    """Store ``message_id`` on the deliveries ``ids`` (one message's), in one statement."""
    await session.execute(
        update(deliveries).where(deliveries.c.id.in_(ids)).values(message_id=message_id)
    )


async def claim(
    session: AsyncSession, now: datetime, wall: datetime, lease: timedelta
) -> list[int]:
    """Claim the deliveries due at ``now`` that no other instance holds, until ``wall + lease``
    (wall time: a claim lasts as long as a send, however the service's clock is moved)."""
    pending = select(deliveries.c.id).where(
        deliveries.c.status == "pending",
        deliveries.c.send_after <= now,
        or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < wall),
    )
    due = batch_for_one(pending, deliveries.c.id, BATCH)
    claimed = await session.scalars(
        update(deliveries)
        .where(deliveries.c.id.in_(due.scalar_subquery()))
        .values(claimed_until=wall + lease)
        .returning(deliveries.c.id)
    )
    return list(claimed)


async def claimed(session: AsyncSession, ids: Sequence[int]) -> list[Any]:
    """The claimed deliveries with their alert, recipient, webhook and ward's name, in order."""
    return await all_rows(
        session,
        select(
            deliveries.c.id,
            deliveries.c.channel,
            deliveries.c.kind,
            deliveries.c.attempts,
            deliveries.c.message_id,
            alerts,
            org_people.c.full_name,
            org_people.c.email,
            org_versions.c.ward_name,
            preferences.c.webhook_url,
            preferences.c.webhook_secret,
            preferences.c.webhook_disabled_at,
        )
        .join(alerts, alerts.c.alert_id == deliveries.c.alert_id)
        .outerjoin(
            org_people,
            and_(
                org_people.c.ward == deliveries.c.ward,
                org_people.c.person_id == deliveries.c.recipient_id,
            ),
        )
        .outerjoin(
            preferences,
            and_(
                preferences.c.ward == deliveries.c.ward,
                preferences.c.person_id == deliveries.c.recipient_id,
            ),
        )
        .outerjoin(org_versions, org_versions.c.ward == deliveries.c.ward)
        .where(deliveries.c.id.in_(ids))
        .order_by(deliveries.c.id),
    )
