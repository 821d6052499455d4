"""The inbox: which events a consumer has applied.

A consumer claims a batch of events in the same transaction as the changes they cause. Claiming
inserts the ids with ON CONFLICT DO NOTHING and returns those that were new; an event already
there (a redelivery, or a copy another instance took) is skipped. Two instances racing for the
same id serialise on the primary key, so only one of them applies it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import Event
from services.runtime.db import upsert


async def claim(
    session: AsyncSession, inbox: Table, consumer: str, events: Sequence[Event]
) -> list[Event]:
    """Record the events as applied by ``consumer``; return those not applied before, in order."""
    unique: dict[str, Event] = {}
    for event in events:
        unique.setdefault(str(event.event_id), event)
    if not unique:
        return []
    now = datetime.now(UTC)
    # One statement with the rows as parameters (not a VALUES list built per batch), so it is
    # compiled once and sent in pages; RETURNING gives back the ids that were new.
    statement = (
        upsert(session, inbox)
        .on_conflict_do_nothing(index_elements=[inbox.c.consumer, inbox.c.event_id])
        .returning(inbox.c.event_id)
    )
    rows = [
        {"event_id": key, "consumer": consumer, "event_type": event.type, "processed_at": now}
        for key, event in unique.items()
    ]
    fresh = set((await session.execute(statement, rows)).scalars())
    return [event for key, event in unique.items() if key in fresh]
