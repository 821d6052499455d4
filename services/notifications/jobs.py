"""The notifications background loop, run by the runtime's ``run_forever``: the scheduler (the
housekeeping loop that forgets old idempotency keys of people's commands is the runtime's,
``Runtime.housekeeping``; :func:`forget_old_commands` is one pass of it).

Against the service's clock, each pass watches this month's deadlines, alerts missed ones,
escalates and repeats alerts, and sends what is due (``handlers.sending``). It runs every
``tick_s`` and at once after a transaction that queued a delivery (the ``QUEUED`` bell, rung
after commit), so a low score reaches the unit head's mailbox within a second outside quiet
hours. Each step runs in its own unit of work and locks the rows it changes, so several
instances sharing one database raise, escalate and repeat each alert once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from contracts.periods import Month
from services.notifications.adapters import obligations, org
from services.notifications.adapters.tables import plumbing
from services.notifications.domain.policy import Policy
from services.notifications.handlers import (
    deadlines,
    escalation,
    report_mail,
    sending,
    sign_in_mail,
)
from services.notifications.handlers.context import Context
from services.notifications.handlers.deliveries import QUEUED
from services.notifications.metrics import OVERDUE_REVIEWS
from services.runtime import commands
from services.runtime.jobs import run_forever
from services.runtime.uow import UnitOfWork

#: The scheduler's passes over alerts, in order, each in its own transaction.
STEPS: tuple[Callable[[Context], Awaitable[int]], ...] = (
    deadlines.raise_missed,
    escalation.escalate_due,
    escalation.repeat_due,
)


class Scheduler:
    """The scheduler of one instance of the service."""

    def __init__(
        self,
        policy: Policy,
        units: Callable[[], UnitOfWork],
        sender: sending.Sender,
        tick_s: float,
    ) -> None:
        self.policy = policy
        self.units = units
        self.sender = sender
        self.tick_s = tick_s
        self._wake = QUEUED.listener()
        self._lock = asyncio.Lock()
        self._watched: set[tuple[str, str, int]] = set()
        self._sending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Tick for the life of the service (or until ``stop``): every ``tick_s``, and at once
        after a commit that queued a delivery. A failed tick (a database hiccup) is retried."""

        async def tick() -> None:
            await self.tick()

        await run_forever("scheduler", tick, interval_s=self.tick_s, stop=stop, wake=self._wake)

    async def tick(self) -> int:
        """One pass: watch this month, alert missed deadlines, escalate, repeat, send. Returns
        how many deliveries went out. The alert steps hold the scheduler's lock; sending does
        not (each delivery is claimed, so a pass started meanwhile sends the rest, and a slow
        receiver holds up no other pass)."""
        async with self._lock:
            await self._watch_current_month()
            for step in STEPS:
                async with self.units() as uow:
                    await step(Context(self.policy, uow))
        self._sending += 1
        self._idle.clear()
        try:
            sent = await sending.send_due(self.policy, self.units, self.sender)
            sent += await sign_in_mail.send_sign_in_links(self.units, self.sender)
            sent += await report_mail.send_report_mails(self.units, self.sender)
        finally:
            self._sending -= 1
            if not self._sending:
                self._idle.set()
        await self._report_overdue_reviews()
        return sent

    async def idle(self) -> None:
        """Wait until no pass of this instance is sending (a test's way to know every message
        claimed so far has had its outcome)."""
        await self._idle.wait()

    async def _watch_current_month(self) -> None:
        """Watch this month's deadlines in each ward, once per ward, month and chart version."""
        async with self.units() as uow:
            month, wards = Month.of(uow.now), await org.chart_versions(uow.session)
        for ward, version in wards:
            key = (ward, month.key, version)
            if key not in self._watched:
                async with self.units() as uow:
                    await deadlines.ensure_month(Context(self.policy, uow), ward, month)
                self._watched.add(key)

    async def _report_overdue_reviews(self) -> None:
        async with self.units() as uow:
            overdue = await obligations.overdue_reviews(uow.session)
        OVERDUE_REVIEWS.clear()
        for ward, unit, count in overdue:
            OVERDUE_REVIEWS.labels(ward, unit).set(count)


async def forget_old_commands(units: Callable[[], UnitOfWork], keep_keys: timedelta) -> int:
    """One housekeeping pass: how many idempotency records were forgotten."""
    return await commands.forget_old_commands(units, plumbing.idempotency, keep_keys)
