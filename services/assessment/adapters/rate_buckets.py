"""Token buckets of kiosks and QR links, in the database so the limit holds across instances."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case

from services.assessment.adapters.tables import rate_buckets
from services.runtime.db import SessionFactory, transaction, upsert


async def take_token(
    sessions: SessionFactory, ward: str, bucket: str, burst: int, refill_s: float, now: datetime
) -> bool:
    """Take one token from ``bucket`` in a single atomic statement (so instances sharing the
    database share the limit), committed at once so that refused submissions count too;
    whether there was one.

    The bucket refills ``1 / refill_s`` tokens a second up to ``burst``: an upsert computes the
    refilled amount and takes one only where at least one is there.
    """
    table = rate_buckets
    refilled = table.c.tokens + (now.timestamp() - table.c.refilled_at_s) / float(refill_s)
    available = case((refilled > float(burst), float(burst)), else_=refilled)
    async with transaction(sessions) as session:
        statement = upsert(session, table).values(
            ward=ward, bucket=bucket, tokens=float(burst) - 1, refilled_at_s=now.timestamp()
        )
        taken = await session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.ward, table.c.bucket],
                set_={"tokens": available - 1, "refilled_at_s": now.timestamp()},
                where=available >= 1,
            ).returning(table.c.tokens)
        )
        return taken.first() is not None
