"""The assessment service's background work: its chores in the runtime's housekeeping loop
(``Runtime.housekeeping``, which also forgets old idempotency keys): the automatic close of
months past their close day (``Policy.close_day``), erasing citizens' comments past their
retention (``Policy.comment_retention``); and the loop that issues the period reports due.
Every instance may run them: closing is race-safe (``handlers.periods.close_due_periods``),
erasing is idempotent."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial

from services.assessment.adapters import citizen_follow_ups, feedback
from services.assessment.domain.policy import Policy
from services.assessment.handlers.period_reports import Reporting, issue_due_reports
from services.assessment.handlers.periods import close_due_periods
from services.runtime.commands import Chores
from services.runtime.jobs import run_forever
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)


async def close_due(uow: UnitOfWork, policy: Policy) -> list[tuple[str, str]]:
    """Close the months past their close day: the (ward, period) pairs it closed, logged once
    committed."""
    closed = await close_due_periods(uow, policy)
    for ward, period in closed:
        uow.after_commit(
            partial(log.info, "closed period %s of %s after its close day", period, ward)
        )
    return closed


async def forget_old_comments(uow: UnitOfWork, policy: Policy) -> int:
    """Erase the citizens' comments, and the contacts they left to be called back, older than
    ``policy.comment_retention`` (by the service's clock); how many, logged once committed (a
    count, never a comment nor a contact)."""
    before = uow.now - policy.comment_retention
    erased = await feedback.forget_comments(uow.session, before)
    erased += await citizen_follow_ups.forget_contacts(uow.session, before)
    if erased:
        uow.after_commit(
            partial(log.info, "erased %d citizens' comments and contacts past retention", erased)
        )
    return erased


def chores(policy: Policy) -> Chores:
    """The service's part of each housekeeping pass (``Runtime.housekeeping``, which then
    forgets old idempotency keys in the same unit of work): the automatic close
    (:func:`close_due`), erasing comments past their retention (:func:`forget_old_comments`)
    and client addresses' hashes past theirs."""

    async def housekeep(uow: UnitOfWork) -> None:
        await close_due(uow, policy)
        await forget_old_comments(uow, policy)
        await feedback.forget_client_hashes(uow.session, uow.now - policy.client_hash_retention)

    return housekeep


async def reports_forever(
    units: Callable[[], UnitOfWork],
    reporting: Reporting,
    every_s: float,
    stop: asyncio.Event | None = None,
) -> None:
    """Every ``every_s`` seconds until ``stop`` is set, issue the period reports due
    (``handlers.period_reports``), each logged once emitted (its period, never a figure)."""

    async def step() -> bool:
        for issued in await issue_due_reports(units, reporting):
            log.info("period report %s issued to the committee", issued)
        return False

    await run_forever("period reports", step, interval_s=every_s, stop=stop)
