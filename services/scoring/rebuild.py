"""Rebuilding the projection from the start of the stream, then swapping it in.

The ASSESSMENT stream keeps every fact, so the scoring tables can always be recomputed: an
ephemeral consumer replays the stream from sequence 1 through the same handler into a fresh,
empty projection, then one transaction on the live database waits for the batches in progress,
holds off new ones, brings the fresh projection up to the stream's end (the events that arrived
meanwhile) and replaces the live rows with it. The live service keeps answering throughout and
sees either the old projection or the new one, never a mix.

On PostgreSQL the fresh projection is a scratch schema of the live database, so the swap is one
``INSERT … SELECT`` per table inside the server; elsewhere it is a scratch SQLite file, copied
row by row. The replay applies a batch while the next one is fetched and parsed.

What was announced (low-score flags, late marks) is history, not a projection of the facts: it is
kept as is, so a rebuild never repeats or withdraws an alert.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError
from sqlalchemy import delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from contracts.envelope import Event
from contracts.events import parse_event
from contracts.streams import ASSESSMENT
from services.runtime.db import SessionFactory, create_engine, session_factory, transaction
from services.runtime.inbox import claim
from services.scoring.adapters import store
from services.scoring.adapters.tables import (
    audit_records,
    closed_periods,
    metadata,
    person_month_plus,
    plumbing,
    review_records,
    task_results,
    unit_day_very_dissatisfied,
    unit_month_feedback,
    unit_month_pillars,
)
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
)
FETCH = 2000
COPY_CHUNK = 5000


@dataclass(frozen=True)
class RebuildReport:
    events: int  # events replayed
    last_sequence: int  # the stream sequence the projection is up to
    seconds: float
    rows: dict[str, int]


class Replay:
    """Replays the stream in order into a scratch projection, as far as asked."""

    def __init__(self, js: JetStreamContext, scoring: Scoring, consumer: str, engine: AsyncEngine):
        self.js = js
        self.scoring = scoring
        self.consumer = consumer
        self.engine = engine
        self.sessions: SessionFactory = session_factory(self.engine)
        self.position = 0
        self.events = 0
        self._subscription: JetStreamContext.PullSubscription | None = None

    async def open(self) -> Replay:
        async with self.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        self._subscription = await self.js.pull_subscribe(
            ASSESSMENT.subjects[0],
            stream=ASSESSMENT.name,
            config=ConsumerConfig(
                ack_policy=AckPolicy.NONE,
                deliver_policy=DeliverPolicy.ALL,
                inactive_threshold=300.0,
                max_waiting=1,
            ),
        )
        return self

    async def until(self, last_sequence: int) -> None:
        """Apply every event of the stream up to ``last_sequence``.

        A batch is applied in the background while the next one is fetched and parsed; one at
        a time, in stream order."""
        assert self._subscription is not None
        applying: asyncio.Task[None] | None = None
        try:
            while self.position < last_sequence:
                try:
                    messages = await self._subscription.fetch(FETCH, timeout=1.0)
                except (NatsTimeoutError, TimeoutError):
                    continue
                events: list[Event] = []
                for message in messages:
                    self.position = message.metadata.sequence.stream
                    try:
                        events.append(parse_event(message.data))
                    except ValidationError:
                        continue  # the live consumer dead-lettered it too
                if applying is not None:
                    await applying
                applying = asyncio.create_task(self._apply(events))
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
            fresh = await claim(session, plumbing.inbox, self.consumer, events)
            if fresh:
                await self.scoring.apply(session, fresh)
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
            await self._subscription.unsubscribe()
        await self.engine.dispose()


class SchemaReplay(Replay):
    """PostgreSQL: the scratch projection is a schema of the live database, swapped in by the
    server itself."""

    def __init__(self, js: JetStreamContext, scoring: Scoring, consumer: str, live: AsyncEngine):
        self.schema = f"scoring_rebuild_{uuid.uuid4().hex[:12]}"
        self.live_engine = live
        scratch = live.execution_options(schema_translate_map={None: self.schema})
        super().__init__(js, scoring, consumer, scratch)

    async def open(self) -> Replay:
        async with self.live_engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        return await super().open()

    async def copy_into(self, live: AsyncSession) -> dict[str, int]:
        counts: dict[str, int] = {}
        for table in REBUILT:
            columns = ", ".join(f'"{c.name}"' for c in table.columns)
            await live.execute(delete(table))
            copied = await live.execute(
                text(
                    f'INSERT INTO "{table.name}" ({columns}) '
                    f'SELECT {columns} FROM "{self.schema}"."{table.name}"'
                )
            )
            counts[table.name] = int(copied.rowcount)  # type: ignore[attr-defined]
        return counts

    async def close(self) -> None:
        if self._subscription is not None:
            await self._subscription.unsubscribe()
        async with self.live_engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))


async def rebuild(
    js: JetStreamContext, live: SessionFactory, scoring: Scoring, consumer: str
) -> RebuildReport:
    """Replay the stream into a fresh projection and swap it in for the live one."""
    started = time.perf_counter()
    replayer = Scoring(scoring.policy, announce=False)
    with tempfile.TemporaryDirectory(prefix="ward5s-rebuild-") as scratch:
        async with live() as probe:
            engine = probe.bind
        if isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql":
            replay: Replay = SchemaReplay(js, replayer, consumer, engine)
        else:
            scratch_db = create_engine(f"sqlite+aiosqlite:///{Path(scratch) / 'projection.db'}")
            replay = Replay(js, replayer, consumer, scratch_db)
        replay = await replay.open()
        try:
            await replay.until((await js.stream_info(ASSESSMENT.name)).state.last_seq)
            async with transaction(live) as session:
                await store.lock_everything(session)
                # Everything applied live so far is on the stream by now: catch up, then swap.
                await replay.until((await js.stream_info(ASSESSMENT.name)).state.last_seq)
                rows = await replay.copy_into(session)
        finally:
            await replay.close()
    report = RebuildReport(replay.events, replay.position, time.perf_counter() - started, rows)
    log.info("rebuilt the projection from %d events in %.1fs", report.events, report.seconds)
    return report
