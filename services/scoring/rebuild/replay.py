"""The scratch projection of a rebuild: filled from the fold's rows, then brought up to date
(caught up) with what the stream holds after them, through the handler; on SQLite a scratch
file, copied into the live database row by row at the swap. PostgreSQL's own is in
:mod:`.postgres`.

The fold's audits' rows and the ids of the events it folds are written in chunks while it reads
(:meth:`Replay.fold`), into the scratch projection and a scratch table of the ids
(:data:`FOLDED_EVENTS`); the fold asks them what it no longer holds, and so does the catch-up."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from sqlalchemy import JSON, Column, MetaData, String, Table, delete, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from contracts.envelope import Event
from services.runtime.bulk import one_of
from services.runtime.db import (
    SessionFactory,
    session_factory,
    transaction,
)
from services.runtime.poison import Poison, screen
from services.runtime.uow import UnitOfWork
from services.scoring.adapters import records
from services.scoring.adapters.history import (
    FETCH,
    close_reader,
    open_reader,
)
from services.scoring.adapters.tables import (
    audit_records,
    closed_periods,
    metadata,
    org_rosters,
    person_month_plus,
    review_records,
    task_results,
    unit_day_very_dissatisfied,
    unit_month_feedback,
    unit_month_pillars,
)
from services.scoring.domain.facts import AuditKey, Fact, audit_fact
from services.scoring.domain.fold import Chunk, Fold
from services.scoring.handlers import Scoring

log = logging.getLogger(__name__)

#: The tables a rebuild recomputes and swaps in: every figure derived from the facts.
REBUILT = (
    audit_records,
    unit_month_pillars,
    review_records,
    person_month_plus,
    task_results,
    unit_month_feedback,
    unit_day_very_dissatisfied,
    closed_periods,
    org_rosters,
)
#: The tables written once the fold is done (the audits' are written in chunks as it goes).
WRITTEN_AT_THE_END = tuple(table for table in REBUILT if table is not audit_records)
#: Each rebuilt table's rows as the fold gives them: in the table's column order, but for the
#: audits' (a slice of each fact, the event id first).
FOLDED: dict[str, Callable[[Fold], Iterator[tuple[Any, ...]]]] = {
    audit_records.name: Fold.audit_records,
    unit_month_pillars.name: Fold.unit_month_pillars,
    review_records.name: Fold.review_records,
    person_month_plus.name: Fold.person_month_plus,
    task_results.name: Fold.task_results,
    unit_month_feedback.name: Fold.unit_month_feedback,
    unit_day_very_dissatisfied.name: Fold.unit_day_very_dissatisfied,
    closed_periods.name: Fold.closed_periods,
    org_rosters.name: Fold.org_rosters,
}
AUDIT_ROW = ("event_id", "ward", "audit_id", "unit_id", "month", "revision", "live", "sums")
#: Rows per insert; keys per lookup (SQLite binds each key's values as parameters).
COPY_CHUNK = 5000
#: The ids of the events the fold has written out: the rebuild's own, in the scratch database
#: only (never in the live one).
FOLDED_EVENTS = Table(
    "rebuild_folded_events", MetaData(), Column("event_id", String, primary_key=True)
)


def columns_of(table: Table) -> tuple[str, ...]:
    return AUDIT_ROW if table is audit_records else tuple(c.name for c in table.columns)


class Replay:
    """A scratch projection: filled from a fold, then brought up to date through the handler."""

    def __init__(self, js: JetStreamContext, scoring: Scoring, engine: AsyncEngine):
        self.js = js
        self.scoring = scoring
        self.engine = engine
        self.sessions: SessionFactory = session_factory(self.engine)
        self.position = 0
        self.events = 0
        #: The ids of the events applied by the catch-up (the fold's are in FOLDED_EVENTS).
        self.seen: set[str] = set()
        self._subscription: JetStreamContext.PullSubscription | None = None
        self._ahead: list[Msg] = []  # fetched past the sequence asked for, applied next time
        self._writing: asyncio.Task[None] | None = None  # a chunk of the fold being written
        self._in_flight: Chunk | None = None  # that chunk

    async def open(self) -> Replay:
        async with self.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.run_sync(FOLDED_EVENTS.metadata.create_all)
        return self

    async def fold(self, fold: Fold, facts: list[Fact]) -> None:
        """Fold ``facts`` (the next in stream order), and write a chunk out whenever the fold
        holds one (:attr:`Fold.full`): the fold never holds more than a chunk of events."""
        start = 0
        while start < len(facts):
            room = max(1, fold.chunk - len(fold.seen))
            await self._fold_some(fold, facts[start : start + room])
            start += room

    async def _fold_some(self, fold: Fold, facts: list[Fact]) -> None:
        """Fold ``facts``, looking up first what the fold no longer holds about them."""
        ids, keys = fold.unknown(facts)
        written_ids: set[str] = set()
        written_audits: dict[AuditKey, Fact] = {}
        if ids or keys:
            written_ids, written_audits = await self._look_up(ids, keys)
        fold.add(facts, written_ids, written_audits)
        if fold.full:
            # Written while the next chunk is folded (asked in memory meanwhile).
            await self._written()
            self._in_flight = fold.take_chunk()
            self._writing = asyncio.create_task(self._write_chunk(self._in_flight))

    async def _look_up(
        self, ids: Sequence[str], keys: Sequence[AuditKey]
    ) -> tuple[set[str], dict[AuditKey, Fact]]:
        """Which of ``ids`` the fold has written out, and the written row of each audit of
        ``keys`` that has one (as a fact): from the chunk being written, else the database."""
        began = time.perf_counter()
        in_flight = self._in_flight
        written_audits: dict[AuditKey, Fact] = {}
        async with self.sessions() as session:
            written_ids = await self._written_ids(session, ids)
            for start in range(0, len(keys), COPY_CHUNK):
                stored = await records.load(
                    session, records.AUDITS, keys[start : start + COPY_CHUNK]
                )
                for key, record in stored.items():
                    written_audits[key] = audit_fact(0, "", key, record)
        if in_flight is not None:  # its rows replace those it finds, whether written yet or not
            written_ids.update(i for i in ids if i in in_flight.event_ids)
            written_audits.update((k, in_flight.audits[k]) for k in keys if k in in_flight.audits)
        log.debug(
            "rebuild: looked up %d ids, %d audits in %.2fs",
            len(ids),
            len(keys),
            time.perf_counter() - began,
        )
        return written_ids, written_audits

    async def _written(self) -> None:
        """Wait for the chunk being written, if one is."""
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await writing
        self._in_flight = None

    async def _written_ids(self, session: AsyncSession, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` the fold has written out."""
        found: set[str] = set()
        column = FOLDED_EVENTS.c.event_id
        for start in range(0, len(ids), COPY_CHUNK):
            part = ids[start : start + COPY_CHUNK]
            found.update(await session.scalars(select(column).where(one_of(session, column, part))))
        return found

    async def _write_chunk(self, chunk: Chunk) -> None:
        """Write a chunk of the fold: its audits' rows in place of the rows they replace, and
        the ids it folded."""
        began = time.perf_counter()
        await self._delete_audits(chunk.replaced)
        await self._write(audit_records, AUDIT_ROW, list(chunk.audit_rows()))
        await self._write(FOLDED_EVENTS, ("event_id",), [(i,) for i in chunk.event_ids])
        log.debug(
            "rebuild: wrote a chunk of %d audits (%d replaced) in %.2fs",
            len(chunk.audits),
            len(chunk.replaced),
            time.perf_counter() - began,
        )

    async def _delete_audits(self, keys: Sequence[AuditKey]) -> None:
        key = tuple_(audit_records.c.ward, audit_records.c.audit_id)
        async with transaction(self.sessions) as session:
            for start in range(0, len(keys), COPY_CHUNK):
                part = keys[start : start + COPY_CHUNK]
                await session.execute(delete(audit_records).where(key.in_(part)))

    async def load(self, fold: Fold, position: int) -> None:
        """Write the fold's rows, which hold the stream up to ``position``."""
        await self._written()
        await self._write_chunk(fold.take_chunk())
        await self._write_rows(fold)
        self.position = position
        self.events = fold.events

    async def _write_rows(self, fold: Fold) -> None:
        """The tables but the audits' (written in chunks)."""
        for table in WRITTEN_AT_THE_END:
            began = time.perf_counter()
            await self._write(table, columns_of(table), FOLDED[table.name](fold))
            log.debug("rebuild: wrote %s in %.2fs", table.name, time.perf_counter() - began)

    async def _write(
        self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
    ) -> None:
        # The fold gives JSON as text; through SQLAlchemy a JSON column takes the value.
        decode = [json.loads if isinstance(table.c[name].type, JSON) else None for name in columns]
        chunk: list[dict[str, Any]] = []
        async with transaction(self.sessions) as session:
            for row in rows:
                chunk.append(
                    {
                        name: value if how is None else how(value)
                        for name, how, value in zip(columns, decode, row, strict=True)
                    }
                )
                if len(chunk) >= COPY_CHUNK:
                    await session.execute(insert(table), chunk)
                    chunk = []
            if chunk:
                await session.execute(insert(table), chunk)

    async def until(
        self,
        last_sequence: int,
        applied_live: Callable[[list[str]], Awaitable[set[str]]] | None = None,
    ) -> None:
        """Apply every event of the stream after the projection's position up to
        ``last_sequence``, through the handler; only those among them that ``applied_live``
        says the live consumer has applied, if given.

        A batch is applied in the background while the next one is fetched and parsed; one at
        a time, in stream order."""
        if self.position >= last_sequence:
            return
        if self._subscription is None:
            self._subscription = await open_reader(self.js, self.position + 1)
        applying: asyncio.Task[None] | None = None
        try:
            reached = False
            while not reached and self.position < last_sequence:
                messages, self._ahead = self._ahead, []
                if not messages:
                    try:
                        wanted = min(FETCH, last_sequence - self.position)
                        messages = await self._subscription.fetch(wanted, timeout=1.0)
                    except (NatsTimeoutError, TimeoutError):
                        # The stream may end before ``last_sequence`` (last messages deleted).
                        if (await self._subscription.consumer_info()).num_pending == 0:
                            break
                        continue
                fresh: dict[str, Event] = {}  # by event id, in stream order
                for n, message in enumerate(messages):
                    sequence = message.metadata.sequence.stream
                    if sequence > last_sequence:  # past a gap: kept for the next call
                        self._ahead, reached = messages[n:], True
                        break
                    self.position = sequence
                    try:
                        event = screen(message.subject, message.data)
                    except Poison:
                        continue  # the live consumer dead-lettered it too
                    # Seen before (the fold, or a copy republished after the duplicate window):
                    # the live inbox skipped it.
                    event_id = str(event.event_id)
                    if event_id not in self.seen:
                        self.seen.add(event_id)
                        fresh[event_id] = event
                if fresh:
                    async with self.sessions() as session:
                        folded = await self._written_ids(session, list(fresh))
                    fresh = {key: e for key, e in fresh.items() if key not in folded}
                if applied_live is not None and fresh:
                    done = await applied_live(list(fresh))
                    fresh = {key: e for key, e in fresh.items() if key in done}
                if applying is not None:
                    await applying
                applying = asyncio.create_task(self._apply(list(fresh.values())))
            if applying is not None:
                await applying
                applying = None
        finally:
            if applying is not None:
                applying.cancel()

    async def _apply(self, events: list[Event]) -> None:
        if not events:
            return
        # A rebuild's handler announces nothing: its unit of work has no outbox.
        async with UnitOfWork(self.sessions) as uow:
            await self.scoring.apply(uow, events)
        self.events += len(events)

    async def copy_into(self, live: AsyncSession) -> dict[str, int]:
        """Replace the live projection's rows with the scratch ones, in the caller's
        transaction."""
        counts: dict[str, int] = {}
        async with self.sessions() as scratch:
            for table in REBUILT:
                await live.execute(delete(table))
                rows = [dict(r) for r in (await scratch.execute(select(table))).mappings()]
                for start in range(0, len(rows), COPY_CHUNK):
                    await live.execute(insert(table), rows[start : start + COPY_CHUNK])
                counts[table.name] = len(rows)
        return counts

    async def close(self) -> None:
        if self._writing is not None:  # the rebuild failed while a chunk was written
            self._writing.cancel()
            with contextlib.suppress(BaseException):
                await self._writing
        if self._subscription is not None:
            await close_reader(self.js, self._subscription)
        await self._discard()

    async def _discard(self) -> None:
        """Let the scratch projection go (its file is in the rebuild's temporary folder)."""
        await self.engine.dispose()
