"""What was announced as low, so that a crossing of a threshold is news once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import (
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.bulk import keyed, upsert_replacing
from services.scoring.adapters.tables import (
    low_flags,
)

FlagKey = tuple[str, str, str, str, str]  # ward, subject kind, subject id, period, metric


async def load_flags(session: AsyncSession, keys: Iterable[FlagKey]) -> dict[FlagKey, bool]:
    keys = list(set(keys))
    if not keys:
        return {}
    t = low_flags
    key_columns = (t.c.ward, t.c.subject_kind, t.c.subject_id, t.c.period, t.c.metric)
    rows = await session.execute(keyed(session, select(*key_columns, t.c.low), key_columns, keys))
    return {(r[0], r[1], r[2], r[3], r[4]): r[5] for r in rows}


async def save_flags(
    session: AsyncSession, flags: Mapping[FlagKey, tuple[bool, float | None]], now: datetime
) -> None:
    """Store each flag (low or not, and the value it was decided on) as of ``now``."""
    if not flags:
        return
    rows: list[dict[str, object]] = [
        {
            "ward": k[0],
            "subject_kind": k[1],
            "subject_id": k[2],
            "period": k[3],
            "metric": k[4],
            "low": low,
            "value": value,
            "updated_at": now,
        }
        for k, (low, value) in sorted(flags.items())
    ]
    await upsert_replacing(
        session, low_flags, rows, ("ward", "subject_kind", "subject_id", "period", "metric")
    )
