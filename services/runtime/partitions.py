"""A consumer partitioned by ward: the wards shared among instances, each applied by one.

The stream's events are split by ward (the subject's second token): each ward is a partition
with a durable consumer of its own (``<name>-<ward>``, filtered on ``ward5s.<ward>.<context>.>``)
and a row in the service's marks table (``services.runtime.marks``). Instances share the
partitions by leases in that table (each takes its fair share and renews it), so a city scales
by adding instances; one ward's events are applied by one instance at a time.

This module is the sharing and the fetching: leases, a runner per ward held (fetch a batch,
apply the one before it meanwhile), the lag gauges, and repositioning: making a ward's durable
again at its mark's next sequence, which drops every pending delivery, so the partition goes
on from the mark. Taking a partition's lease always does this, and so does any batch that did
not leave the partition at its mark. Applying a batch exactly once by the ward's mark, one ack
per batch, is :class:`services.runtime.ward_batches.WardBatches`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from contracts.envelope import Event
from contracts.subjects import ward_of
from services.runtime import marks
from services.runtime.broker import inbox_prefix
from services.runtime.consumer import BATCH_GATHER_S, RETRY_DELAY_S, ConsumerSpec
from services.runtime.db import transaction
from services.runtime.jobs import run_forever
from services.runtime.lag import LAG_POLL_S, measure_partitioned_lag
from services.runtime.metrics import REDELIVERIES
from services.runtime.partition_runs import (
    Delivered,
    delivered_as,
    durable_name,
    instance_id,
    partition_subject,
)
from services.runtime.poison import Poison
from services.runtime.ward_batches import WardBatches

log = logging.getLogger(__name__)

#: How long a partition's lease lasts, and how often it is renewed (and partitions shared out).
LEASE_S = 10.0
RENEW_S = 2.0


class PartitionedConsumer:
    """The partitions of one stream's events, each ward's batches applied by ``batches`` (its
    spec, handler, units of work and marks table); this instance known by ``owner`` in the
    leases."""

    def __init__(self, batches: WardBatches, owner: str | None = None) -> None:
        #: What applies each ward's batches; it holds the spec (below) and the handler
        #: (``batches.apply``), and the service, sessions, marks, inbox and stream this
        #: consumer shares with it.
        self.batches = batches
        self.service = batches.service
        self.sessions = batches.sessions
        self.marks = batches.marks
        self.inbox = batches.inbox
        self.owner = owner or instance_id()
        self.lease_s = LEASE_S
        self.renew_s = RENEW_S
        self._runners: dict[str, asyncio.Task[None]] = {}
        self._manager: asyncio.Task[None] | None = None
        self._lag: asyncio.Task[None] | None = None

    # The spec is the applier's: one replaced there (a shorter ack wait) is the one every
    # batch and every ward's durable uses.
    @property
    def spec(self) -> ConsumerSpec:
        return self.batches.spec

    @property
    def js(self) -> JetStreamContext:
        return self.batches.js

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
        self.batches.forget(ward)

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
                    in_flight = asyncio.create_task(self.batches.apply_batch(ward, delivered))
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
        self.batches.forget(ward)
        return await self.js.pull_subscribe_bind(
            durable=name,
            stream=self.spec.stream.name,
            inbox_prefix=f"{inbox_prefix(self.service)}.".encode(),
        )

    def decode(self, messages: Sequence[Msg]) -> list[Delivered]:
        """The fetched ``messages`` as delivered (sequences, first delivery or not) with their
        events or why each is none; redeliveries counted."""
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
