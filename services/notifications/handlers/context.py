"""What every notifications handler is given: the policy and a unit of work.

A handler reads the time from ``uow.now``, raises events with ``uow.emit`` and wakes loops with
``uow.after_commit``. The HTTP commands and the scheduler's passes run in the runtime's
:class:`~services.runtime.uow.UnitOfWork`; the bus intake runs inside the consumer's own
transaction (the one that also records the events in the inbox), joined by a
:class:`JoinedUnit`, which stages the events raised in that transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import Event
from services.notifications.domain.policy import Policy
from services.runtime.clock import Now
from services.runtime.hooks import after_commit
from services.runtime.outbox import stage


class Unit(Protocol):
    """A unit of work as handlers use it (:class:`~services.runtime.uow.UnitOfWork` is one)."""

    @property
    def session(self) -> AsyncSession: ...

    @property
    def now(self) -> datetime: ...

    def emit(self, *events: Event) -> None: ...

    def after_commit(self, callback: Callable[[], None]) -> None: ...


class JoinedUnit:
    """A unit of work inside a transaction someone else owns (a consumer's): the time is read
    from ``clock`` once, the events raised are staged in ``outbox`` by :meth:`stage`, which the
    owner calls before it commits."""

    def __init__(self, session: AsyncSession, outbox: Table, clock: Now) -> None:
        self._session = session
        self._outbox = outbox
        self._now = clock.now()
        self.events: list[Event] = []

    @property
    def session(self) -> AsyncSession:
        return self._session

    @property
    def now(self) -> datetime:
        return self._now

    def emit(self, *events: Event) -> None:
        self.events.extend(events)

    def after_commit(self, callback: Callable[[], None]) -> None:
        after_commit(self._session, callback)

    async def stage(self) -> None:
        """Stage the events raised so far in the outbox, in the owner's transaction."""
        events, self.events = self.events, []
        await stage(self._session, self._outbox, events)


@dataclass(frozen=True)
class Context:
    """The policy and the unit of work one handler runs in; its session and moment are the
    unit's, read from it (which refuses them outside its ``async with`` block)."""

    policy: Policy
    uow: Unit

    @property
    def session(self) -> AsyncSession:
        return self.uow.session

    @property
    def now(self) -> datetime:
        return self.uow.now
