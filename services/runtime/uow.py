"""The unit of work: one transaction, its time, the events it raises and what runs after it.

A handler is given a :class:`UnitOfWork` instead of a bare session. The unit of work

- owns one transaction from the service's session factory (``uow.session``): committed when the
  ``async with`` block ends normally, rolled back when it raises;
- supplies the moment of the work from the service's clock (``uow.now``, read once at the
  start, so every row and event of one command carries the same time);
- collects the events the handler raises (``uow.emit(event)``) and stages them in the service's
  outbox in the same transaction, just before the commit, so rows and events are kept or lost
  together;
- runs callbacks once the commit succeeded (``uow.after_commit(callback)``), never after a
  rollback: this is how a commit that staged events or queued work wakes the loop that handles
  it (:class:`Bell`) without that loop polling fast.

Usage in a composition root and a handler::

    units = UnitOfWork.factory(runtime.sessions, plumbing.outbox, clock)
    async with units() as uow:
        await audits.submit(uow, draft)  # uow.session.execute(...), uow.emit(AuditSubmitted(...))

Fast tests build the same thing on an in-memory SQLite database (:func:`in_memory`)::

    async with in_memory(metadata) as sessions:
        async with UnitOfWork(sessions, plumbing.outbox, FrozenClock(moment)) as uow: ...

Code that only holds a session (a consumer's ``apply``) registers callbacks with
:func:`after_commit` (``services.runtime.hooks``); both go through the same SQLAlchemy hook.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from weakref import WeakKeyDictionary

from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import StaticPool

from contracts.envelope import Actor, Event
from services.runtime.clock import Now, SystemClock
from services.runtime.db import SessionFactory, session_factory
from services.runtime.hooks import Bell, after_commit
from services.runtime.outbox import stage

__all__ = ["Bell", "UnitOfWork", "after_commit", "in_memory"]


class UnitOfWork:
    """One transaction with its time, its events and its after-commit callbacks.

    ``outbox`` is the service's outbox table (``PlumbingTables.outbox``); a unit of work built
    without one refuses ``emit`` (a service that publishes nothing). Not reusable: one ``async
    with`` block per unit."""

    def __init__(
        self, sessions: SessionFactory, outbox: Table | None = None, clock: Now | None = None
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._clock = clock or SystemClock()
        self._stack: contextlib.AsyncExitStack | None = None
        self._session: AsyncSession | None = None
        self._now: datetime | None = None
        self.events: list[Event] = []

    @classmethod
    def factory(
        cls, sessions: SessionFactory, outbox: Table | None = None, clock: Now | None = None
    ) -> Callable[[], UnitOfWork]:
        """A maker of units of work sharing the service's sessions, outbox and clock."""
        return lambda: cls(sessions, outbox, clock)

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("a unit of work is used inside its 'async with' block")
        return self._session

    @property
    def now(self) -> datetime:
        """The moment of this unit's work (aware, UTC), read from the clock once."""
        if self._now is None:
            raise RuntimeError("a unit of work is used inside its 'async with' block")
        return self._now

    def envelope(self, ward: str, actor: Actor) -> dict[str, Any]:
        """The envelope fields of an event this unit raises of its own accord (a start-up step,
        the automatic close, an upload): ``ward``, ``actor``, and ``occurred_at`` and
        ``recorded_at`` both :attr:`now`."""
        return {"ward": ward, "occurred_at": self.now, "recorded_at": self.now, "actor": actor}

    def emit(self, *events: Event) -> None:
        """Raise events: staged in the outbox at commit, published by the relay after it."""
        if self._outbox is None:
            raise RuntimeError("this unit of work has no outbox to stage events in")
        self.events.extend(events)

    def emit_all(self, events: Iterable[Event]) -> None:
        self.emit(*events)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this unit has committed (never after a rollback)."""
        after_commit(self.session, callback)

    async def __aenter__(self) -> Self:
        if self._stack is not None:
            raise RuntimeError("a unit of work is entered once")
        stack = contextlib.AsyncExitStack()
        session = await stack.enter_async_context(self._sessions())
        try:
            await stack.enter_async_context(session.begin())
        except BaseException:
            await stack.aclose()
            raise
        self._stack, self._session, self._now = stack, session, self._clock.now()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        assert self._stack is not None
        if error is None and self.events and self._outbox is not None:
            try:
                await stage(self.session, self._outbox, self.events)
            except BaseException as failure:
                await self._stack.__aexit__(type(failure), failure, failure.__traceback__)
                raise
        # Leaving ``session.begin()`` commits, or rolls back when an error is passed.
        return await self._stack.__aexit__(kind, error, traceback)


#: The SQL that creates a metadata's tables (as SQLite dumps them), with the names of the
#: tables it was made for: ``create_all`` compiles every table's DDL and asks whether each
#: exists, tens of milliseconds each time, and the fast tests make hundreds of these databases.
_SCHEMAS: WeakKeyDictionary[MetaData, tuple[tuple[str, ...], str]] = WeakKeyDictionary()


@contextlib.asynccontextmanager
async def in_memory(metadata: MetaData) -> AsyncIterator[SessionFactory]:
    """Sessions on a fresh in-memory SQLite database holding ``metadata``'s tables, for fast
    tests of handlers (no files, no servers); gone when the block ends. The tables are made by
    ``create_all`` the first time a metadata is asked for (again if its tables changed), by
    replaying the SQL that made them after that."""
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    try:
        async with engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None  # aiosqlite's connection
            tables, known = tuple(metadata.tables), _SCHEMAS.get(metadata)
            if known is not None and known[0] == tables:
                await driver.executescript(known[1])
            else:
                await connection.run_sync(metadata.create_all)
                await connection.commit()
                script = "\n".join([line async for line in driver.iterdump()])
                _SCHEMAS[metadata] = (tables, script)
        yield session_factory(engine)
    finally:
        await engine.dispose()
