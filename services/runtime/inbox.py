"""The inbox: which events a consumer has applied.

A consumer claims a batch of events in the same transaction as the changes they cause. Claiming
inserts the ids with ON CONFLICT DO NOTHING and returns those that were new; an event already
there (a redelivery, or a copy another instance took) is skipped. Two instances racing for the
same id serialise on the primary key, so only one of them applies it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Table, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import Event
from services.runtime.db import is_postgres, upsert


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
    if is_postgres(session):
        fresh = await _claim_unnested(session, inbox, consumer, unique, now)
        return [event for key, event in unique.items() if key in fresh]
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


async def _claim_unnested(
    session: AsyncSession, inbox: Table, consumer: str, unique: dict[str, Event], now: datetime
) -> set[str]:
    """PostgreSQL: the batch's ids and types travel as two arrays, unnested into the rows, so a
    batch of any size is one small statement with four parameters (no per-row parameters to
    build and bind)."""
    c = inbox.c
    rows = (
        func.unnest(
            bindparam("ids", list(unique), type_=ARRAY(c.event_id.type)),
            bindparam(
                "types", [event.type for event in unique.values()], type_=ARRAY(c.event_type.type)
            ),
        )
        .table_valued("event_id", "event_type")
        .render_derived(name="claimed")
    )
    statement = (
        insert(inbox)
        .from_select(
            ["event_id", "consumer", "event_type", "processed_at"],
            select(
                rows.c.event_id,
                literal(consumer, c.consumer.type),
                rows.c.event_type,
                literal(now, c.processed_at.type),
            ),
        )
        .on_conflict_do_nothing(index_elements=[c.consumer, c.event_id])
        .returning(c.event_id)
    )
    return set((await session.execute(statement)).scalars())
