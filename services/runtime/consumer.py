"""Durable JetStream consumers that apply each event exactly once.

A consumer pulls a batch, screens every message into its event (one that is no event of ours goes
to the dead-letter stream with the reason, ``services.runtime.poison``, and is acked), claims the
events in the inbox and applies the new ones in one transaction, commits, then acks. A crash
before the commit loses nothing (the batch is redelivered); a crash after it double-counts nothing
(the inbox skips it).

When a batch fails, each event is retried alone: a transient failure (database or network down)
naks it for redelivery later; any other failure is the event's own fault and dead-letters it, so
one bad event never blocks the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from faststream import AckPolicy, Context
from faststream.nats import JStream, NatsBroker, PullSub
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import Event
from contracts.streams import StreamSpec
from contracts.subjects import dead_letter_subject, ward_of
from services.runtime.broker import inbox_prefix
from services.runtime.db import SessionFactory, transaction
from services.runtime.durables import reconcile
from services.runtime.inbox import claim
from services.runtime.metrics import (
    DEAD_LETTERS,
    EVENT_BATCH_DURATION,
    EVENTS_PROCESSED,
    REDELIVERIES,
)
from services.runtime.poison import POISON_REASONS, Poison, screen
from services.runtime.scrub import describe
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)

#: Applies a batch of new events inside the caller's transaction, given its session.
Apply = Callable[[AsyncSession, Sequence[Event]], Awaitable[None]]
#: The same, given the transaction's unit of work (its session, its time, the events it emits):
#: for a consumer built with ``units``.
ApplyInUnit = Callable[[UnitOfWork, Sequence[Event]], Awaitable[None]]


class RetryLater(Exception):
    """Raised by a handler for an event that cannot be applied yet (something it needs has not
    arrived): the event is redelivered later instead of being dead-lettered."""


#: Failures of the surroundings (database, network), not of the event: retry, never dead-letter.
TRANSIENT = (OperationalError, DBAPIError, OSError, TimeoutError, ConnectionError)
RETRY_DELAY_S = 2.0
#: How often an event that says "retry later" is tried before it is dead-lettered.
MAX_DELIVERIES_WAITING = 50
#: How long a pull waits to fill a batch: the latency floor at low load, the batch size at high.
BATCH_GATHER_S = 0.05
#: Why a message is dead-lettered: it is no event of ours (by kind of fault), it waited too long,
#: its handler failed.
DEAD_LETTER_REASONS = (*POISON_REASONS, "gave_up", "handler_error")


@dataclass(frozen=True)
class ConsumerSpec:
    name: str  # the durable name, shared by every instance of the service
    stream: StreamSpec
    subject: str
    description: str
    batch_size: int = 256
    ack_wait_s: float = 30.0
    #: Apply a batch in the background while the next one is fetched and parsed (the batches
    #: are still applied one after the other, in order). Off by default.
    pipelined: bool = False
    #: How many messages may be delivered and not yet acknowledged (0: eight batches, at
    #: least 1000); a consumer at this limit is sent nothing more until it acks.
    max_ack_pending: int = 0
    #: How a message becomes its event: the screen, or a faster one that takes and refuses the
    #: same messages (``poison.screen_fast``: structs mirroring the contracts on the hot path).
    decoder: Callable[[str, bytes], Any] = screen


@dataclass(frozen=True)
class Parsed:
    message: Msg
    event: Event


class EventConsumer:
    def __init__(
        self,
        service: str,
        spec: ConsumerSpec,
        sessions: SessionFactory,
        inbox: Table,
        apply: Apply | ApplyInUnit,
        broker: NatsBroker,
        units: Callable[[], UnitOfWork] | None = None,
    ) -> None:
        """``apply`` takes the session of the batch's transaction; with ``units`` (a maker of
        units of work) the batch is applied in a unit of work, and ``apply`` takes it."""
        self.service = service
        self.spec = spec
        self.sessions = sessions
        self.inbox = inbox
        self.apply: Any = apply
        self.broker = broker
        self.units = units
        self._in_flight: asyncio.Task[None] | None = None

    def config(self) -> ConsumerConfig:
        """The durable consumer's configuration as this code wants it."""
        return ConsumerConfig(
            ack_policy=JsAckPolicy.EXPLICIT,
            ack_wait=self.spec.ack_wait_s,
            deliver_policy=DeliverPolicy.ALL,
            max_ack_pending=self.spec.max_ack_pending or max(self.spec.batch_size * 8, 1000),
        )

    async def reconcile(self, js: JetStreamContext) -> None:
        """Bring an existing durable consumer to :meth:`config`: JetStream keeps a durable's
        settings from its creation, and the client binds to it as it is, so without this a
        change in code (``ack_wait``, ``max_ack_pending``, the filter) never reached it.

        The editable fields are updated in place (the consumer keeps its position); a change
        JetStream cannot make to a durable raises ``durables.ConsumerOutdated``, so the service
        refuses to start rather than run with settings other than its code's. A consumer not
        there yet is left to be created as configured."""
        await reconcile(js, self.spec.stream.name, self.spec.name, self.spec.subject, self.config())

    def register(self) -> None:
        """Declare the durable pull consumer on the broker."""
        spec = self.spec
        subscriber = self.broker.subscriber(
            spec.subject,
            stream=JStream(spec.stream.name, declare=False),
            durable=spec.name,
            inbox_prefix=f"{inbox_prefix(self.service)}.".encode(),
            pull_sub=PullSub(batch_size=spec.batch_size, timeout=BATCH_GATHER_S, batch=True),
            config=self.config(),
            ack_policy=AckPolicy.MANUAL,
            decoder=_skip_decoding,
            title=f"{self.service}/{spec.name}",
            description=spec.description,
        )
        _let_empty_fetches_time_out_quietly()
        subscriber(self._on_batch)
        self._subscriber = subscriber
        count_dead_letters_from_zero(self.service, spec.name)

    async def _on_batch(self, body: Any, message: Any = Context("message")) -> None:
        # The raw messages are parsed here rather than by FastStream, so that one bad message
        # goes to the dead-letter stream alone instead of failing the whole batch.
        if not self.spec.pipelined:
            await self.handle(message.raw_message)
            return
        # Parse this batch while the previous one is still in the database, then apply it in the
        # background so that the next fetch overlaps its transaction. One batch at a time is in
        # flight: they commit in the order they were fetched, as without the pipeline. Its
        # messages are acked only after its commit, so a crash still loses nothing.
        started = time.perf_counter()
        parsed = await self.parse(message.raw_message)
        await self.drain()
        self._in_flight = asyncio.create_task(self._apply_and_ack(parsed, started))

    async def stop(self) -> None:
        """Stop fetching, then let a batch still being applied commit and be acked."""
        await self._subscriber.stop()
        await self.drain()

    async def drain(self) -> None:
        """Wait for the batch being applied in the background, if any."""
        if self._in_flight is not None:
            in_flight, self._in_flight = self._in_flight, None
            await in_flight

    async def _apply_and_ack(self, parsed: Sequence[Parsed], started: float) -> None:
        try:
            await self._apply_parsed(parsed, started)
        except asyncio.CancelledError:
            raise  # stopping: the transaction rolled back, the batch comes back after the wait
        except Exception:
            # Unacked, the batch is redelivered after the ack wait; the inbox skips what is in.
            log.exception("consumer %s: a pipelined batch failed", self.spec.name)

    async def handle(self, messages: Sequence[Msg]) -> None:
        started = time.perf_counter()
        await self._apply_parsed(await self.parse(messages), started)

    async def parse(self, messages: Sequence[Msg]) -> list[Parsed]:
        """The batch's events; a message that is no event of ours is dead-lettered."""
        parsed: list[Parsed] = []
        for message in messages:
            if message.metadata.num_delivered > 1:
                REDELIVERIES.labels(self.service, self.spec.name).inc()
            try:
                parsed.append(Parsed(message, self.spec.decoder(message.subject, message.data)))
            except Poison as poison:
                await self.dead_letter(message, poison.reason, poison.detail)
        return parsed

    async def _apply_parsed(self, parsed: Sequence[Parsed], started: float) -> None:
        if parsed:
            try:
                applied = await self._apply_all([p.event for p in parsed])
            except TRANSIENT:
                log.warning(
                    "consumer %s: transient failure, retrying", self.spec.name, exc_info=True
                )
                await self._nak_all(parsed)
                return
            except Exception:
                log.warning(
                    "consumer %s: batch failed, retrying one by one", self.spec.name, exc_info=True
                )
                await self._one_by_one(parsed)
            else:
                self._count("applied", applied)
                self._count("duplicate", len(parsed) - applied)
                for item in parsed:
                    await item.message.ack()
        EVENT_BATCH_DURATION.labels(self.service, self.spec.name).observe(
            time.perf_counter() - started
        )

    async def _apply_all(self, events: Sequence[Event]) -> int:
        if self.units is not None:
            async with self.units() as uow:
                fresh = await claim(uow.session, self.inbox, self.spec.name, events)
                if fresh:
                    await self.apply(uow, fresh)
            return len(fresh)
        async with transaction(self.sessions) as session:
            fresh = await claim(session, self.inbox, self.spec.name, events)
            if fresh:
                await self.apply(session, fresh)
        return len(fresh)

    async def _one_by_one(self, parsed: Sequence[Parsed]) -> None:
        for item in parsed:
            try:
                applied = await self._apply_all([item.event])
            except TRANSIENT:
                self._count("retried", 1)
                await item.message.nak(delay=RETRY_DELAY_S)
            except RetryLater as error:
                if item.message.metadata.num_delivered >= MAX_DELIVERIES_WAITING:
                    await self.dead_letter(item.message, "gave_up", str(error)[:500])
                else:
                    self._count("retried", 1)
                    await item.message.nak(delay=RETRY_DELAY_S)
            except Exception as error:
                log.exception("consumer %s: event %s failed", self.spec.name, item.event.event_id)
                await self.dead_letter(item.message, "handler_error", describe(error))
            else:
                self._count("applied" if applied else "duplicate", 1)
                await item.message.ack()

    async def _nak_all(self, parsed: Sequence[Parsed]) -> None:
        self._count("retried", len(parsed))
        for item in parsed:
            await item.message.nak(delay=RETRY_DELAY_S)

    async def dead_letter(self, message: Msg, reason: str, detail: str) -> None:
        """Park a message on the dead-letter stream with the reason, then ack the original."""
        js = self.broker.config.connection_state.stream
        await park(js, self.service, self.spec.name, message, reason, detail)
        self._count("dead_lettered", 1)
        await message.ack()

    def _count(self, outcome: str, amount: int) -> None:
        if amount:
            EVENTS_PROCESSED.labels(self.service, self.spec.name, outcome).inc(amount)


def count_dead_letters_from_zero(service: str, consumer: str) -> None:
    """Show ``consumer``'s dead letters at 0 for every reason before the first one, so that the
    first shows as an increase (``Ward5sDeadLetters``) rather than as a series that starts at 1,
    which ``increase()`` cannot see."""
    for reason in DEAD_LETTER_REASONS:
        DEAD_LETTERS.labels(service, consumer, reason)


async def park(
    js: JetStreamContext, service: str, consumer: str, message: Msg, reason: str, detail: str
) -> None:
    """Publish ``message`` to the dead-letter stream with the reason in its headers (not acked
    here: the caller acks it, alone or with its batch)."""
    headers = {
        "Ward5s-Reason": reason,
        "Ward5s-Detail": detail.replace("\n", " ")[:1000],
        "Ward5s-Consumer": consumer,
        "Ward5s-Original-Subject": message.subject,
        "Ward5s-Original-Sequence": str(message.metadata.sequence.stream),
    }
    await js.publish(
        dead_letter_subject(service, ward_of(message.subject)), message.data, headers=headers
    )
    DEAD_LETTERS.labels(service, consumer, reason).inc()
    log.warning(
        "consumer %s: dead-lettered a message on %s (%s)", consumer, message.subject, reason
    )


def _let_empty_fetches_time_out_quietly() -> None:
    """Work around FastStream 0.7's pull loop, which expects nats' own ``TimeoutError`` when a
    fetch expires but can get the builtin one from nats-py. The loop then dies, losing the
    messages it had gathered so far (they come back only after the ack wait, 30 s later), and is
    restarted with an error in the log. Raising nats' own subclass instead lets the loop treat an
    empty fetch as the normal case it is. Patched once, on the class, before any loop starts."""
    pull = JetStreamContext.PullSubscription
    if getattr(pull.fetch, "ward5s_patched", False):
        return
    original = pull.fetch

    async def fetch(self: Any, *args: Any, **kwargs: Any) -> list[Msg]:
        try:
            messages: list[Msg] = await original(self, *args, **kwargs)
            return messages
        except NatsTimeoutError:
            raise
        except TimeoutError as expired:
            raise NatsTimeoutError from expired

    fetch.ward5s_patched = True  # type: ignore[attr-defined]
    pull.fetch = fetch  # type: ignore[method-assign]


async def _skip_decoding(message: Any) -> None:
    return None
