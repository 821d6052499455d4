"""A consumer partitioned by ward that applies each event exactly once by a high-water mark.

The stream's events are split by ward (the subject's second token): each ward is a partition
with a durable consumer of its own (``<name>-<ward>``, filtered on ``ward5s.<ward>.<context>.>``)
and a row in the service's marks table (``services.runtime.marks``): the stream sequence of the
last of its events applied, written in the same transaction as what they changed. Instances
share the partitions by leases in that table (each takes its fair share and renews it), so a
city scales by adding instances; one ward's events are applied by one instance at a time.

Exactly once, without a row per event:

- **Nothing twice.** A batch's transaction first holds the partition's row (a second applier
  waits, then reads what the first wrote) and skips every message at or below the mark.
- **Nothing lost.** What it applies is a run of the partition's messages that provably follows
  the mark with no gap: its head is the partition's next message after the mark (the
  applier's own previous batch ended at the mark and the head was delivered right after it, or
  else the stream says so: the next message on the partition's subjects after the mark), and
  each next message of the run was delivered right after the one before (consecutive delivery
  sequences, both first deliveries: the consumer delivers a partition's new messages in stream
  order, so nothing of the partition lies between them). The mark moves to the run's end.
- **One ack per batch.** The durable acks all (``AckPolicy.ALL``): acking the run's last
  message acknowledges everything before it, all of it at or below the mark.
- **Anything else repositions.** A head that does not follow the mark (a previous owner's
  batch died before its commit, a redelivery after the ack wait, another instance's fetch) or
  a run cut short applies nothing beyond the proven run; the durable is then made again at the
  mark's next sequence, which drops every pending delivery, and the partition goes on from the
  mark. Taking a partition's lease always does this.

A message that is no event of ours is dead-lettered inside the run's transaction (and counted
by the mark); an event whose handler fails is retried alone and dead-lettered, in order, so one
bad event never blocks its ward. A failure of the surroundings (database, network) applies
nothing: the partition waits, repositions and tries again.

Events whose fold is not idempotent against a copy of themselves (a copy republished after the
stream's duplicate window, a dead letter replayed under a new message id) also claim their id
in the inbox (``needs_inbox``); for scoring that is every kind but audits, whose revision makes
a copy stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from sqlalchemy import Table

from contracts.envelope import Event
from contracts.subjects import ward_of
from services.runtime import marks
from services.runtime.broker import inbox_prefix
from services.runtime.consumer import (
    BATCH_GATHER_S,
    RETRY_DELAY_S,
    TRANSIENT,
    ApplyInUnit,
    ConsumerSpec,
    RetryLater,
    park,
    release_batch,
)
from services.runtime.db import SessionFactory, transaction
from services.runtime.inbox import claim
from services.runtime.jobs import run_forever
from services.runtime.lag import LAG_POLL_S, measure_partitioned_lag
from services.runtime.metrics import EVENT_BATCH_DURATION, EVENTS_PROCESSED, REDELIVERIES
from services.runtime.partition_runs import (
    Delivered,
    Gap,
    chain,
    delivered_as,
    durable_name,
    instance_id,
    partition_subject,
)
from services.runtime.poison import Poison
from services.runtime.scrub import describe
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)

#: How long a partition's lease lasts, and how often it is renewed (and partitions shared out).
LEASE_S = 10.0
RENEW_S = 2.0


class PartitionedConsumer:
    """The partitions of one stream's events (``spec``), applied by ``apply(uow, events)`` in
    units of work made by ``units``, each ward's last applied sequence in ``marks_table``."""

    def __init__(
        self,
        service: str,
        spec: ConsumerSpec,
        sessions: SessionFactory,
        units: Callable[[], UnitOfWork],
        apply: ApplyInUnit,
        inbox: Table,
        marks_table: Table,
        js: Callable[[], JetStreamContext],
        needs_inbox: Callable[[Any], bool] = lambda event: True,
        owner: str | None = None,
    ) -> None:
        self.service = service
        self.spec = spec
        self.sessions = sessions
        self.units = units
        self.apply = apply
        self.inbox = inbox
        self.marks = marks_table
        self._js = js
        self.needs_inbox = needs_inbox
        self.owner = owner or instance_id()
        self.lease_s = LEASE_S
        self.renew_s = RENEW_S
        self._runners: dict[str, asyncio.Task[None]] = {}
        #: Per ward, (mark, delivery sequence) after this process's last commit.
        self._previous: dict[str, tuple[int, int]] = {}
        self._manager: asyncio.Task[None] | None = None
        self._lag: asyncio.Task[None] | None = None

    @property
    def js(self) -> JetStreamContext:
        return self._js()

    @property
    def held(self) -> frozenset[str]:
        """The wards this instance applies now."""
        return frozenset(self._runners)

    def start(self) -> None:
        self._manager = asyncio.create_task(self._share_forever(), name=f"{self.spec.name}:leases")
        self._lag = asyncio.create_task(
            run_forever(f"lag of {self.spec.name}", self.measure_lag, interval_s=LAG_POLL_S),
            name=f"{self.spec.name}:lag",
        )

    async def measure_lag(self) -> None:
        """The lag gauges: what every ward's durable has yet to deliver or see acked."""
        names = [durable_name(self.spec, ward) for ward in sorted(await self.wards())]
        await measure_partitioned_lag(self.service, self.js, self.spec, names)

    async def stop(self) -> None:
        """Stop sharing, let every partition finish its batch in hand, give the leases back."""
        for task in (self._manager, self._lag):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for ward in list(self._runners):
            await self._stop_runner(ward)
        with contextlib.suppress(Exception):
            async with transaction(self.sessions) as session:
                await marks.release(session, self.marks, self.spec.name, self.owner)

    # ----------------------------------------------------------------- leases and partitions

    async def _share_forever(self) -> None:
        while True:
            try:
                await self.share_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning(
                    "consumer %s: sharing the partitions failed", self.spec.name, exc_info=True
                )
            await asyncio.sleep(self.renew_s)

    async def share_once(self) -> frozenset[str]:
        """One round: find the wards on the stream, renew, give back and take leases, and run a
        partition for each ward held."""
        wards = await self.wards()
        now = datetime.now(UTC)
        async with transaction(self.sessions) as session:
            leases = await marks.share_out(
                session,
                self.marks,
                self.spec.name,
                self.owner,
                wards,
                now,
                now + timedelta(seconds=self.lease_s),
            )
        for ward in set(self._runners) - leases.held:
            await self._stop_runner(ward)
        for ward in sorted(leases.held - set(self._runners)):
            self._runners[ward] = asyncio.create_task(
                self._run(ward), name=f"{durable_name(self.spec, ward)}"
            )
        return leases.held

    async def wards(self) -> set[str]:
        """The wards with events on the consumer's subjects."""
        info = await self.js.stream_info(self.spec.stream.name, subjects_filter=self.spec.subject)
        return {ward_of(subject) for subject in (info.state.subjects or {})}

    async def _stop_runner(self, ward: str) -> None:
        task = self._runners.pop(ward)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        self._previous.pop(ward, None)

    # ----------------------------------------------------------------- one partition

    async def _run(self, ward: str) -> None:
        """Apply the ward's events from its mark on, while this instance holds its lease."""
        subscription = None
        in_flight: asyncio.Task[bool] | None = None
        try:
            while True:
                if subscription is None:
                    try:
                        subscription = await self.reposition(ward)
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        log.warning("partition %s: repositioning failed", ward, exc_info=True)
                        await asyncio.sleep(RETRY_DELAY_S)
                        continue
                try:
                    messages = await subscription.fetch(
                        self.spec.batch_size, timeout=BATCH_GATHER_S
                    )
                except (NatsTimeoutError, TimeoutError):
                    messages = []
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.warning("partition %s: fetch failed", ward, exc_info=True)
                    messages = []
                    await self._drop(subscription)
                    subscription = None
                delivered = self.decode(messages)
                if in_flight is not None:
                    whole = await self._outcome(ward, in_flight)
                    in_flight = None
                    if not whole:  # what was fetched meanwhile is not trusted either
                        if subscription is not None:
                            await self._drop(subscription)
                        subscription = None
                        continue
                if delivered and subscription is not None:
                    in_flight = asyncio.create_task(self.apply_batch(ward, delivered))
        finally:
            if in_flight is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(in_flight)
            if subscription is not None:
                await self._drop(subscription)

    async def _outcome(self, ward: str, in_flight: asyncio.Task[bool]) -> bool:
        """Whether the batch in flight left the partition at its mark with nothing else to
        redo; shielded, so that a stop lets it commit and ack rather than cut it midway."""
        try:
            return await asyncio.shield(in_flight)
        except asyncio.CancelledError:
            raise
        except Exception:  # its own handling failed (the bus, say): start again from the mark
            log.warning("partition %s: a batch failed", ward, exc_info=True)
            return False

    async def _drop(self, subscription: Any) -> None:
        with contextlib.suppress(Exception):
            await subscription.unsubscribe()

    async def reposition(self, ward: str) -> Any:
        """Make the ward's durable again at its mark's next sequence (every pending delivery
        dropped) and bind a pull subscription to it."""
        async with transaction(self.sessions) as session:
            mark = await marks.hold(session, self.marks, self.spec.name, ward)
        name = durable_name(self.spec, ward)
        with contextlib.suppress(NotFoundError):
            await self.js.delete_consumer(self.spec.stream.name, name)
        await self.js.add_consumer(
            self.spec.stream.name,
            config=ConsumerConfig(
                name=name,
                durable_name=name,
                description=f"{self.spec.description} (ward {ward})",
                ack_policy=AckPolicy.ALL,
                ack_wait=self.spec.ack_wait_s,
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=mark + 1,
                filter_subject=partition_subject(self.spec, ward),
                max_ack_pending=self.spec.max_ack_pending or max(self.spec.batch_size * 8, 1000),
            ),
        )
        self._previous.pop(ward, None)
        return await self.js.pull_subscribe_bind(
            durable=name,
            stream=self.spec.stream.name,
            inbox_prefix=f"{inbox_prefix(self.service)}.".encode(),
        )

    def decode(self, messages: Sequence[Msg]) -> list[Delivered]:
        found = []
        for message in messages:
            sequence, delivery, times = delivered_as(message)
            if times > 1:
                REDELIVERIES.labels(self.service, self.spec.name).inc()
            try:
                event: Event | Poison = self.spec.decoder(message.subject, message.data)
            except Poison as poison:
                event = poison
            found.append(Delivered(message, sequence, delivery, times == 1, event))
        return found

    async def next_after(self, ward: str, mark: int) -> int | None:
        """The stream sequence of the ward's first message after ``mark``, None if none."""
        try:
            found = await self.js.get_msg(
                self.spec.stream.name,
                seq=mark + 1,
                subject=partition_subject(self.spec, ward),
                next=True,
            )
        except NotFoundError:
            return None
        return found.seq

    async def proven_run(
        self, ward: str, delivered: Sequence[Delivered], mark: int
    ) -> tuple[list[Delivered], bool]:
        """The messages after ``mark`` that provably follow it with no gap, and whether they
        are all of the batch's messages after it. Raises :class:`Gap` if the first one does
        not follow the mark."""
        after = [d for d in delivered if d.sequence > mark]
        if not after:
            return [], True
        head = after[0]
        previous = self._previous.get(ward)
        chained = (
            previous is not None
            and previous[0] == mark
            and head.first
            and head.delivery == previous[1] + 1
        )
        if not chained and await self.next_after(ward, mark) != head.sequence:
            raise Gap(f"ward {ward}: {head.sequence} does not follow the mark {mark}")
        run = chain(after)
        return run, len(run) == len(after)

    async def apply_batch(self, ward: str, delivered: Sequence[Delivered]) -> bool:
        """Apply what of the batch follows the mark, in one transaction with the new mark, and
        ack it with one ack. False when the partition must be repositioned (a gap, a run cut
        short, a failure)."""
        started = time.perf_counter()
        try:
            async with self.units() as uow:
                mark = await marks.hold(uow.session, self.marks, self.spec.name, ward)
                run, whole = await self.proven_run(ward, delivered, mark)
                if run:
                    await self._apply_run(uow, run)
                    await marks.advance(
                        uow.session, self.marks, self.spec.name, ward, run[-1].sequence
                    )
        except Gap as gap:
            log.info("partition %s: %s; repositioning", ward, gap)
            return False
        except (*TRANSIENT, RetryLater):
            log.warning("partition %s: failed for now; retrying", ward, exc_info=True)
            await asyncio.sleep(RETRY_DELAY_S)
            return False
        except Exception:
            log.warning("partition %s: batch failed, applying one by one", ward, exc_info=True)
            return await self._one_by_one(ward, delivered)
        last = run[-1] if run else max(delivered, key=lambda d: d.sequence)
        if run:
            self._previous[ward] = (last.sequence, last.delivery)
        self._count("duplicate", len(delivered) - len(run))
        await last.message.ack()
        EVENT_BATCH_DURATION.labels(self.service, self.spec.name).observe(
            time.perf_counter() - started
        )
        release_batch()
        return whole

    async def _apply_run(self, uow: UnitOfWork, run: Sequence[Delivered]) -> None:
        """Dead-letter the run's poison, then apply its events (those claiming an inbox row
        only if new)."""
        events: list[Event] = []
        for item in run:
            if isinstance(item.event, Poison):
                await park(
                    self.js,
                    self.service,
                    self.spec.name,
                    item.message,
                    item.event.reason,
                    item.event.detail,
                )
                self._count("dead_lettered", 1)
            else:
                events.append(item.event)
        claimed = [e for e in events if self.needs_inbox(e)]
        if claimed:
            fresh = {
                str(e.event_id)
                for e in await claim(uow.session, self.inbox, self.spec.name, claimed)
            }
            events = [e for e in events if not self.needs_inbox(e) or str(e.event_id) in fresh]
        if events:
            await self.apply(uow, events)
        self._count("applied", len(events))

    async def _one_by_one(self, ward: str, delivered: Sequence[Delivered]) -> bool:
        """After a batch failed for an event's own reason: each message of the proven run in a
        transaction of its own, an event whose handler fails dead-lettered, in order."""
        try:
            async with transaction(self.sessions) as session:
                mark = await marks.hold(session, self.marks, self.spec.name, ward)
                run, whole = await self.proven_run(ward, delivered, mark)
        except Gap:
            return False
        except Exception:
            log.warning("partition %s: failed for now; retrying", ward, exc_info=True)
            return False
        for item in run:
            try:
                await self._apply_one(ward, item, mark)
            except Gap:
                return False
            except (*TRANSIENT, RetryLater):
                log.warning("partition %s: failed for now; retrying", ward, exc_info=True)
                await asyncio.sleep(RETRY_DELAY_S)
                return False
            except Exception as error:
                if isinstance(item.event, Poison):
                    return False
                log.exception("partition %s: event %s failed", ward, item.event.event_id)
                async with self.units() as uow:
                    if await marks.hold(uow.session, self.marks, self.spec.name, ward) != mark:
                        return False
                    await park(
                        self.js,
                        self.service,
                        self.spec.name,
                        item.message,
                        "handler_error",
                        describe(error),
                    )
                    self._count("dead_lettered", 1)
                    await marks.advance(
                        uow.session, self.marks, self.spec.name, ward, item.sequence
                    )
            mark = item.sequence
            await item.message.ack()
        self._previous.pop(ward, None)
        return whole

    async def _apply_one(self, ward: str, item: Delivered, mark: int) -> None:
        async with self.units() as uow:
            if await marks.hold(uow.session, self.marks, self.spec.name, ward) != mark:
                raise Gap(f"ward {ward}: the mark moved under this instance")
            await self._apply_run(uow, [item])
            await marks.advance(uow.session, self.marks, self.spec.name, ward, item.sequence)

    def _count(self, outcome: str, amount: int) -> None:
        if amount:
            EVENTS_PROCESSED.labels(self.service, self.spec.name, outcome).inc(amount)
