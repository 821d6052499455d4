"""The scoring background loop: forgetting the answers of people's commands once no retry can
come for them (the command pipeline's idempotency records), with the runtime's
``housekeeping_forever``. Every instance may run it: a delete of old rows is safe to repeat."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from services.runtime import commands
from services.runtime.clock import Now
from services.runtime.db import SessionFactory
from services.runtime.uow import UnitOfWork
from services.scoring.adapters.tables import plumbing


async def housekeeping_forever(
    sessions: SessionFactory,
    clock: Now,
    keep: timedelta,
    every_s: float,
    stop: asyncio.Event | None = None,
) -> None:
    """Every ``every_s`` seconds, drop the idempotency records older than ``keep``."""
    units = UnitOfWork.factory(sessions, clock=clock)  # stages no events
    await commands.housekeeping_forever(units, plumbing.idempotency, keep, every_s, stop)
