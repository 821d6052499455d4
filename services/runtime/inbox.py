"""The inbox: which events a consumer has applied.

A consumer claims a batch of events in the same transaction as the changes they cause. Claiming
inserts the ids with ON CONFLICT DO NOTHING and returns those that were new; an event already
there (a redelivery, or a copy another instance took) is skipped. Two instances racing for the
same id serialise on the primary key, so only one of them applies it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import Event
from services.runtime.bulk import json_rows
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
    """PostgreSQL: the batch's ids and types travel as one JSON document of pairs, unpacked
    into the rows by ``json_to_recordset``, so a batch of any size is one small statement with
    three parameters, the same statement every time (no per-row parameters to build and bind,
    and no array whose every element the driver checks and encodes in Python)."""
    pairs = json.dumps([{"event_id": key, "event_type": e.type} for key, e in unique.items()])
    result = await session.execute(
        _claim_statement(inbox), {"pairs": pairs, "consumer": consumer, "now": now}
    )
    return set(result.scalars())


@cache
def _claim_statement(inbox: Table) -> Any:
    c = inbox.c
    rows = json_rows("pairs", (c.event_id, c.event_type), "claimed")
    return (
        insert(inbox)
        .from_select(
            ["event_id", "consumer", "event_type", "processed_at"],
            select(
                rows.c.event_id,
                bindparam("consumer", type_=c.consumer.type),
                rows.c.event_type,
                bindparam("now", type_=c.processed_at.type),
            ),
        )
        .on_conflict_do_nothing(index_elements=[c.consumer, c.event_id])
        .returning(c.event_id)
    )
