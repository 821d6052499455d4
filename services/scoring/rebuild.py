"""Rebuilding the projection from the start of the stream, then swapping it in.

The ASSESSMENT stream keeps every fact, so the scoring tables can always be recomputed. The
stream, as far as the live consumer has acknowledged it, is read in ranges by processes of their
own (a short one here) and each event reduced to a fact; the facts are folded in stream order,
in memory, with the handler's rules (:mod:`services.scoring.domain.fold`), and the final rows are
written at once into a fresh, empty projection. What the live consumer acknowledges meanwhile is
applied to it through the handler. Then one transaction on the live database waits for the
batches in progress, holds off new ones, applies the rest of what the live consumer has applied
(its inbox says which) and makes the live rows those of the fresh projection. The live service
keeps answering throughout and sees either the old projection or the new one, never a mix; its
consumer goes on from where it was, and applies nothing twice.

On PostgreSQL the fresh projection is a scratch schema of the live database, filled with COPY,
and the swap deletes and inserts, inside the server, only the rows that differ; elsewhere it is
a scratch SQLite file, copied row by row.

What was announced (low-score flags, late marks) is history, not a projection of the facts: it is
kept as is, so a rebuild never repeats or withdraws an alert. So are the chairman's decisions on
ties at the cap on "xuất sắc": they are scoring's own records, not facts of the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import ValidationError
from sqlalchemy import JSON, Table, delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from contracts.envelope import Event
from contracts.events import parse_event
from contracts.streams import ASSESSMENT
from services.runtime.broker import inbox_prefix, nats_servers
from services.runtime.db import (
    SessionFactory,
    create_engine,
    is_postgres,
    session_factory,
    transaction,
)
from services.runtime.settings import ServiceSettings
from services.scoring.adapters import store
from services.scoring.adapters.history import (
    FETCH,
    READERS,
    NatsAccess,
    close_reader,
    open_reader,
    read_here,
    read_in_processes,
    split,
)
from services.scoring.adapters.tables import (
    audit_records,
    closed_periods,
    metadata,
    org_rosters,
    person_month_plus,
    plumbing,
    review_records,
    task_results,
    unit_day_very_dissatisfied,
    unit_month_feedback,
    unit_month_pillars,
)
from services.scoring.domain.fold import Fold
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
#: A stream shorter than this is read in this process: starting processes would cost more.
PARALLEL_FROM = 20_000
COPY_CHUNK = 5000
#: Rows from which a table is copied into the scratch schema through two connections.
COPY_SPLIT = 50_000


@dataclass(frozen=True)
class RebuildReport:
    events: int  # distinct events replayed (a copy republished after the window counts once)
    last_sequence: int  # the stream sequence the projection is up to
    seconds: float
    rows: dict[str, int]
    #: The most memory this process has held since it started (for ``python -m services.scoring
    #: rebuild``, what the rebuild needed; from the admin endpoint, the service's peak so far),
    #: and the most any reader process it has started held (0 if it has started none).
    peak_memory_mb: float
    reader_peak_memory_mb: float


def _peak_memory_mb(who: int) -> float:
    """The largest resident set of this process (``RUSAGE_SELF``) or of any process it waited
    for (``RUSAGE_CHILDREN``), in MiB."""
    peak = resource.getrusage(who).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)  # bytes or KiB


async def read_history(
    js: JetStreamContext,
    fold: Fold,
    access: NatsAccess | None = None,
    workers: int | None = None,
    upto: int | None = None,
) -> int:
    """Fold the stream up to ``upto`` (by default its current end); returns the last sequence
    folded.

    ``workers`` processes read it (by default one per CPU, or none for a short stream); they
    connect with ``access`` (without it, this process reads the whole stream itself)."""
    state = (await js.stream_info(ASSESSMENT.name)).state
    first, last = max(state.first_seq, 1), state.last_seq
    if upto is not None:
        last = min(last, upto)
    if last < first:
        return last
    if workers is None:
        workers = (os.cpu_count() or 1) if last - first + 1 >= PARALLEL_FROM else 1
    workers = min(workers, len(READERS))
    if workers > 1 and access is not None:
        await read_in_processes(access, split(first, last, workers), fold.add)
    else:
        await read_here(js, first, last, fold.add)
    return last


def _columns(table: Table) -> tuple[str, ...]:
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
        self.seen: set[str] = set()
        self._subscription: JetStreamContext.PullSubscription | None = None
        self._ahead: list[Msg] = []  # fetched past the sequence asked for, applied next time

    async def open(self) -> Replay:
        async with self.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        return self

    async def load(self, fold: Fold, position: int) -> None:
        """Write the fold's rows, which hold the stream up to ``position``."""
        await self._write_rows(fold)
        self.position = position
        self.events = fold.events
        self.seen = fold.seen

    async def _write_rows(self, fold: Fold) -> None:
        for table in REBUILT:
            began = time.perf_counter()
            await self._write(table, _columns(table), FOLDED[table.name](fold))
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
                        event = parse_event(message.data)
                    except ValidationError:
                        continue  # the live consumer dead-lettered it too
                    # Seen before (the fold, or a copy republished after the duplicate window):
                    # the live inbox skipped it.
                    event_id = str(event.event_id)
                    if event_id not in self.seen:
                        self.seen.add(event_id)
                        fresh[event_id] = event
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
        async with transaction(self.sessions) as session:
            await self.scoring.apply(session, events)
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
        if self._subscription is not None:
            await close_reader(self.js, self._subscription)
        await self._discard()

    async def _discard(self) -> None:
        """Let the scratch projection go (its file is in the rebuild's temporary folder)."""
        await self.engine.dispose()


class SchemaReplay(Replay):
    """PostgreSQL: the scratch projection is a schema of the live database, filled with COPY and
    swapped in by the server itself."""

    def __init__(self, js: JetStreamContext, scoring: Scoring, live: AsyncEngine):
        self.schema = f"scoring_rebuild_{uuid.uuid4().hex[:12]}"
        self.live_engine = live
        scratch = live.execution_options(schema_translate_map={None: self.schema})
        super().__init__(js, scoring, scratch)

    async def open(self) -> Replay:
        # The live tables' columns without their keys and indexes: rows copied into a table
        # with none go in at twice the speed, and its key is built once at the end. Unlogged:
        # a scratch table that a crash loses is of no use anyway.
        async with self.live_engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            for table in REBUILT:
                await connection.execute(
                    text(
                        f'CREATE UNLOGGED TABLE "{self.schema}"."{table.name}" '
                        f'(LIKE "{table.name}" INCLUDING DEFAULTS)'
                    )
                )
        return self

    async def _write_rows(self, fold: Fold) -> None:
        # Each table's key is built by the server while the next table's rows are made here
        # (the unit sums take a second at a million audits, as long as the largest key).
        keying: list[asyncio.Task[None]] = []
        try:
            for table in REBUILT:
                columns = _columns(table)
                began = time.perf_counter()
                rows = await asyncio.to_thread(list, FOLDED[table.name](fold))
                # A large table goes in through two connections: the server's side of a COPY
                # is most of its cost, and it is one process per connection.
                half = len(rows) // 2 if len(rows) >= COPY_SPLIT else len(rows)
                await asyncio.gather(
                    *(self._copy(table, columns, part) for part in (rows[:half], rows[half:]))
                )
                del rows
                log.debug("rebuild: wrote %s in %.2fs", table.name, time.perf_counter() - began)
                keying.append(asyncio.create_task(self._key(table)))
            await asyncio.gather(*keying)
        except BaseException:
            for task in keying:
                task.cancel()
            await asyncio.gather(*keying, return_exceptions=True)
            raise

    async def _copy(
        self, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        async with self.engine.begin() as connection:
            raw = await connection.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                table.name, records=rows, columns=list(columns), schema_name=self.schema
            )

    async def _key(self, table: Table) -> None:
        """The catch-up's upserts need the table's key; the swap's plans need statistics."""
        keys = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
        scratch = f'"{self.schema}"."{table.name}"'
        async with self.engine.begin() as connection:
            await connection.execute(text(f"ALTER TABLE {scratch} ADD PRIMARY KEY ({keys})"))
            await connection.execute(text(f"ANALYZE {scratch}"))

    async def copy_into(self, live: AsyncSession) -> dict[str, int]:
        """Make the live rows those of the scratch schema: delete the live rows that are not
        there as they are, insert those that are missing. A rebuild mostly finds what is
        there already, and rewriting a million unchanged rows (and their indexes) would hold
        every batch off for that long."""
        await live.execute(text("SET LOCAL work_mem = '256MB'"))
        counts: dict[str, int] = {}
        for table in REBUILT:
            began = time.perf_counter()
            scratch = f'"{self.schema}"."{table.name}"'
            keys = [c.name for c in table.primary_key.columns]
            same_key = " AND ".join(f'l."{k}" = s."{k}"' for k in keys)
            same_values = " AND ".join(  # every table has columns besides its key
                # JSON has no equality: compared as text, a row written in another layout is
                # merely replaced.
                f'l."{c.name}"::text IS NOT DISTINCT FROM s."{c.name}"::text'
                if isinstance(c.type, JSON)
                else f'l."{c.name}" IS NOT DISTINCT FROM s."{c.name}"'
                for c in table.columns
                if c.name not in keys
            )
            columns = ", ".join(f'"{c.name}"' for c in table.columns)
            await live.execute(
                text(
                    f'DELETE FROM "{table.name}" AS l WHERE NOT EXISTS '
                    f"(SELECT FROM {scratch} AS s WHERE {same_key} AND {same_values})"
                )
            )
            await live.execute(
                text(
                    f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM {scratch} AS s '
                    f'WHERE NOT EXISTS (SELECT FROM "{table.name}" AS l WHERE {same_key})'
                )
            )
            counts[table.name] = int(await live.scalar(text(f"SELECT count(*) FROM {scratch}")))
            log.debug("rebuild: swapped %s in %.2fs", table.name, time.perf_counter() - began)
        return counts

    async def _discard(self) -> None:
        # The scratch engine is the live one seen through a schema map: not disposed.
        async with self.live_engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The fold holds millions of small objects (no cycles among them) until its rows are
    written: the cycle collector would walk them again and again, for nothing, tripling the
    time the fold's own work takes. Garbage with cycles waits until the rows are written."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


async def rebuild(
    js: JetStreamContext,
    live: SessionFactory,
    scoring: Scoring,
    consumer: str,
    *,
    nats: NatsAccess | None = None,
    workers: int | None = None,
) -> RebuildReport:
    """Replay the stream into a fresh projection and swap it in for the live one.

    The fresh projection holds exactly the events the live ``consumer`` has applied, so that it
    goes on from the swap without applying any twice: what it has acknowledged, then, under
    the lock, those of the rest that its inbox holds. Without that consumer on the stream, the
    whole stream.

    ``nats`` is how the reading processes connect (without it, this process reads the stream
    itself); ``workers`` how many there are (by default one per CPU, none for a short
    stream)."""
    started = time.perf_counter()
    replayer = Scoring(scoring.policy, announce=False)
    with tempfile.TemporaryDirectory(prefix="ward5s-rebuild-") as scratch:
        async with live() as probe:
            engine = probe.bind
        if isinstance(engine, AsyncEngine) and is_postgres(engine):
            replay: Replay = SchemaReplay(js, replayer, engine)
        else:
            scratch_db = create_engine(f"sqlite+aiosqlite:///{Path(scratch) / 'projection.db'}")
            replay = Replay(js, replayer, scratch_db)
        replay = await replay.open()
        try:
            acknowledged = await _acknowledged(js, consumer)
            with _collector_paused():
                fold = Fold()
                position = await read_history(js, fold, nats, workers, upto=acknowledged)
                log.info(
                    "rebuild: folded %d events up to sequence %d in %.1fs",
                    fold.events,
                    position,
                    time.perf_counter() - started,
                )
                await replay.load(fold, position)
                fold.release()
            log.info("rebuild: wrote the rows by %.1fs", time.perf_counter() - started)
            if acknowledged is not None:
                # Applied live in the meantime: caught up with before holding the batches off.
                await replay.until(await _acknowledged(js, consumer) or 0)
            async with transaction(live) as session:
                await store.lock_everything(session)
                # Everything applied live so far is on the stream by now: catch up, then swap.
                last = (await js.stream_info(ASSESSMENT.name)).state.last_seq
                if acknowledged is None:
                    await replay.until(last)
                else:
                    await replay.until(last, partial(_applied_live, session, consumer))
                rows = await replay.copy_into(session)
        finally:
            await replay.close()
    report = RebuildReport(
        replay.events,
        replay.position,
        time.perf_counter() - started,
        rows,
        _peak_memory_mb(resource.RUSAGE_SELF),
        _peak_memory_mb(resource.RUSAGE_CHILDREN),
    )
    log.info("rebuilt the projection from %d events in %.1fs", report.events, report.seconds)
    return report


async def _acknowledged(js: JetStreamContext, consumer: str) -> int | None:
    """The stream sequence up to which the live consumer has acknowledged every message (each
    applied, or dead-lettered), or None if it is not on the stream."""
    try:
        info = await js.consumer_info(ASSESSMENT.name, consumer)
    except NotFoundError:
        return None
    return info.ack_floor.stream_seq if info.ack_floor else 0


async def _applied_live(session: AsyncSession, consumer: str, event_ids: list[str]) -> set[str]:
    """Which of the events the live consumer has applied (committed: a batch held off by the
    lock applies its own after the swap)."""
    inbox = plumbing.inbox
    found = await session.scalars(
        select(inbox.c.event_id).where(
            inbox.c.consumer == consumer, inbox.c.event_id.in_(event_ids)
        )
    )
    return set(found)


def nats_access(settings: ServiceSettings) -> NatsAccess:
    """How the reading processes connect: as the service does."""
    password = settings.nats_password.get_secret_value() if settings.nats_password else None
    return NatsAccess(
        tuple(nats_servers(settings.nats_url)),
        settings.nats_user,
        password,
        inbox_prefix=inbox_prefix(settings.service),
    )
