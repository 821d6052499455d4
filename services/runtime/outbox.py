"""The transactional outbox and its relay.

A handler stages events in the same transaction as the rows they describe; the relay publishes
them to JetStream with ``Nats-Msg-Id`` = event id and marks them published once the server has
acknowledged. A crash between commit and publish leaves the row unpublished, so it goes out after
the restart; a crash between publish and marking republishes it, and the server's duplicate window
drops the copy. Either way the event is on the stream exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import ServiceUnavailableError
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import Event
from services.runtime.db import SessionFactory, transaction
from services.runtime.hooks import Bell, after_commit
from services.runtime.jobs import run_forever
from services.runtime.metrics import (
    OUTBOX_BACKLOG,
    OUTBOX_FAILURES,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PUBLISHED,
)
from services.runtime.poison import MAX_EVENT_BYTES
from services.runtime.refusals import Kind, Refusal

log = logging.getLogger(__name__)

#: Rung after a commit that staged events: the relays publish at once instead of at their next
#: poll (the rest of the time they poll slowly).
STAGED = Bell()
#: How long a batch waits for JetStream's acknowledgements: past it, those not acknowledged are
#: failures, retried. (A refusal of the server, storage full, can leave a pipelined publish's
#: answer unread by the client, which would otherwise wait for ever with the rows locked.)
ACK_TIMEOUT_S = 10.0
#: How often at most a relay counts its backlog for the gauges (s): a scrape comes every 15.
GAUGES_EVERY_S = 1.0


async def stage(session: AsyncSession, outbox: Table, events: Iterable[Event]) -> None:
    """Add events to the outbox in the caller's transaction; its commit wakes the relays.

    Refuses (413 ``event_too_large``, so the caller's transaction is rolled back) an event
    longer than the bus carries (:data:`~services.runtime.poison.MAX_EVENT_BYTES`, NATS's
    ``max_payload``): taken, it could never be published, and the relay, which publishes in
    order, would stop at it with every event staged after it."""
    now = datetime.now(UTC)
    rows = [
        {
            "event_id": str(event.event_id),
            "subject": event.subject,
            "payload": _carried(event.model_dump_json().encode()),
            "created_at": now,
            "attempts": 0,
        }
        for event in events
    ]
    if rows:
        await session.execute(insert(outbox), rows)
        after_commit(session, STAGED.ring)


def _carried(payload: bytes) -> bytes:
    """``payload``, if the bus carries it; else the refusal (413 ``event_too_large``)."""
    if len(payload) > MAX_EVENT_BYTES:
        raise Refusal(Kind.TOO_LARGE, "event_too_large", limit=MAX_EVENT_BYTES)
    return payload


@dataclass(eq=False)
class OutboxRelay:
    """Publishes staged events in order; woken at once after a commit that staged some."""

    service: str
    sessions: SessionFactory
    outbox: Table
    js: JetStreamContext
    batch: int = field(default=500, kw_only=True)
    poll_s: float = field(default=0.5, kw_only=True)
    #: PostgreSQL: several relays share the table (SKIP LOCKED).
    lock_rows: bool = field(default=False, kw_only=True)
    _wake: asyncio.Event = field(default_factory=lambda: STAGED.listener(), init=False)
    #: Why JetStream refuses to store events now (its storage is full), or None: the edges
    #: refuse new submissions with 503 while it is set (``Runtime.check_bus``); the next
    #: batch stored clears it.
    refused: str | None = field(default=None, init=False)
    _gauged: float = field(default=-GAUGES_EVERY_S, init=False)  # monotonic s

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Publish for the life of the service (or until ``stop``): at once while batches come
        full, then every ``poll_s`` or as soon as a commit stages events."""
        await run_forever(
            f"outbox relay of {self.service}",
            self.publish_once,
            interval_s=self.poll_s,
            stop=stop,
            wake=self._wake,
        )

    async def publish_once(self) -> bool:
        """Publish one batch; True when it was full (more may be waiting). After a short batch,
        refresh the backlog gauges, once per :data:`GAUGES_EVERY_S` at most: a relay woken by
        every commit counted the whole backlog once per submission."""
        if await self.publish_pending() >= self.batch:
            return True
        if time.monotonic() - self._gauged >= GAUGES_EVERY_S:
            self._gauged = time.monotonic()
            await self.refresh_gauges()
        return False

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished events; returns how many were published."""
        table = self.outbox
        async with transaction(self.sessions) as session:
            query = (
                select(table.c.id, table.c.event_id, table.c.subject, table.c.payload)
                .where(table.c.published_at.is_(None))
                .order_by(table.c.id)
                .limit(self.batch)
            )
            if self.lock_rows:
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            if not rows:
                return 0
            # publish_async pipelines the batch on one connection, so the stream keeps the order.
            futures = [await self._send(row) for row in rows]
            results = await _settled(futures, ACK_TIMEOUT_S)
            done = [
                row.id
                for row, result in zip(rows, results, strict=True)
                if not isinstance(result, BaseException)
            ]
            failed = [
                (row.id, result)
                for row, result in zip(rows, results, strict=True)
                if isinstance(result, BaseException)
            ]
            now = datetime.now(UTC)
            if done:
                await session.execute(
                    update(table).where(table.c.id.in_(done)).values(published_at=now)
                )
            for row_id, error in failed:
                await session.execute(
                    update(table)
                    .where(table.c.id == row_id)
                    .values(attempts=table.c.attempts + 1, last_error=repr(error)[:500])
                )
        OUTBOX_PUBLISHED.labels(self.service).inc(len(done))
        if done:
            self.refused = None
        elif failed:
            await self._probe(rows[0])
        if failed:
            OUTBOX_FAILURES.labels(self.service).inc(len(failed))
            log.warning(
                "%d outbox events of %s not acknowledged; will retry", len(failed), self.service
            )
        return len(done)

    async def _send(self, row: Any) -> asyncio.Future[Any]:
        """Send one row (pipelined); its acknowledgement to come. One the client refuses at
        once (over the server's ``max_payload``, staged before ``stage`` refused such events)
        fails alone, retried, instead of stopping the batch and every one after it."""
        try:
            return await self.js.publish_async(
                row.subject, row.payload, headers={"Nats-Msg-Id": row.event_id}
            )
        except Exception as error:
            failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            failed.set_exception(error)
            return failed

    async def _probe(self, row: Any) -> None:
        """After a batch stored nothing: publish its first event alone, which says why (a
        pipelined publish may not), and note a refusal of the server's (storage full)."""
        try:
            await self.js.publish(
                row.subject, row.payload, headers={"Nats-Msg-Id": row.event_id}, timeout=5
            )
        except ServiceUnavailableError as refused:
            if self.refused is None:
                log.error("JetStream refuses %s's events: %s", self.service, refused.description)
            self.refused = refused.description or "unavailable"
        except Exception:  # unreachable, slow: retried, not a refusal
            return

    async def refresh_gauges(self) -> None:
        table = self.outbox
        async with self.sessions() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(table.c.created_at)).where(
                        table.c.published_at.is_(None)
                    )
                )
            ).one()
        OUTBOX_BACKLOG.labels(self.service).set(count)
        age = 0.0
        if oldest is not None:
            age = (datetime.now(UTC) - oldest).total_seconds()
        OUTBOX_OLDEST_AGE.labels(self.service).set(age)


async def _settled(futures: list[asyncio.Future[Any]], within_s: float) -> list[Any]:
    """Each future's result or exception, in order; one not done within ``within_s`` is a
    ``TimeoutError`` (and cancelled)."""
    if futures:
        await asyncio.wait(futures, timeout=within_s)
    results: list[Any] = []
    for future in futures:
        if not future.done():
            future.cancel()
            results.append(TimeoutError("no acknowledgement"))
        elif future.cancelled():
            results.append(asyncio.CancelledError())
        else:
            results.append(future.exception() or future.result())
    return results
