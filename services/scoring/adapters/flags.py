"""What was announced as low, so that a crossing of a threshold is news once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.bulk import Keyed, Upsert
from services.scoring.adapters.tables import low_flags

FlagKey = tuple[str, str, str, str, str]  # ward, subject kind, subject id, period, metric

_KEY = ("ward", "subject_kind", "subject_id", "period", "metric")
_KEY_COLUMNS = tuple(low_flags.c[name] for name in _KEY)
_LOOKUP = Keyed(select(*_KEY_COLUMNS, low_flags.c.low), _KEY_COLUMNS)
_SAVE = Upsert(low_flags, (*_KEY, "low", "value", "updated_at"), keys=_KEY)


async def load_flags(session: AsyncSession, keys: Iterable[FlagKey]) -> dict[FlagKey, bool]:
    keys = list(keys)
    if not keys:
        return {}
    rows = await _LOOKUP.execute(session, keys)
    return {(r[0], r[1], r[2], r[3], r[4]): r[5] for r in rows}


async def save_flags(
    session: AsyncSession, flags: Mapping[FlagKey, tuple[bool, float | None]], now: datetime
) -> None:
    """Store each flag (low or not, and the value it was decided on) as of ``now``."""
    await _SAVE.execute(
        session,
        [
            {**dict(zip(_KEY, k, strict=True)), "low": low, "value": value, "updated_at": now}
            for k, (low, value) in sorted(flags.items())
        ],
    )
