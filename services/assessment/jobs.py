"""The assessment service's background loop: the automatic close of months past their close day
(``Policy.close_day``) and forgetting old idempotency keys. Every instance may run it: closing
is race-safe (``handlers.periods.close_due_periods``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from services.assessment.adapters.tables import plumbing
from services.assessment.domain.policy import Policy
from services.assessment.handlers.periods import close_due_periods
from services.runtime.commands import forget_old_keys
from services.runtime.jobs import run_forever
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)


async def housekeeping_once(
    units: Callable[[], UnitOfWork], policy: Policy, keep_keys: timedelta
) -> list[tuple[str, str]]:
    """One round, in one unit of work: the (ward, period) pairs it closed."""
    async with units() as uow:
        closed = await close_due_periods(uow, policy)
        await forget_old_keys(uow.session, plumbing.idempotency, uow.now - keep_keys)
    for ward, period in closed:
        log.info("closed period %s of %s after its close day", period, ward)
    return closed


async def housekeeping_forever(
    units: Callable[[], UnitOfWork],
    policy: Policy,
    every_s: float,
    keep_keys: timedelta,
    stop: asyncio.Event | None = None,
) -> None:
    """:func:`housekeeping_once` every ``every_s`` seconds until ``stop`` is set."""

    async def once() -> None:
        await housekeeping_once(units, policy, keep_keys)

    await run_forever("housekeeping", once, interval_s=every_s, stop=stop)
