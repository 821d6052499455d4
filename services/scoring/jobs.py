"""The scoring background loop: forgetting the answers of people's commands once no retry can
come for them (the command pipeline's idempotency records), run by the runtime's
``run_forever``. Every instance may run it: a delete of old rows is safe to repeat."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from services.runtime.clock import Now
from services.runtime.commands import forget_old_keys
from services.runtime.db import SessionFactory, transaction
from services.runtime.jobs import run_forever
from services.scoring.adapters.tables import plumbing

log = logging.getLogger(__name__)


async def housekeeping_forever(
    sessions: SessionFactory,
    clock: Now,
    keep: timedelta,
    every_s: float,
    stop: asyncio.Event | None = None,
) -> None:
    """Every ``every_s`` seconds, drop the idempotency records older than ``keep``."""

    async def once() -> None:
        async with transaction(sessions) as session:
            forgotten = await forget_old_keys(session, plumbing.idempotency, clock.now() - keep)
        if forgotten:
            log.info("forgot %d old idempotency keys", forgotten)

    await run_forever("housekeeping", once, interval_s=every_s, stop=stop)
