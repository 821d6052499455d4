"""Applying one ward's batches exactly once by its high-water mark, without a row per event.

The partitioned consumer (``services.runtime.partitions``) fetches a ward's messages and hands
each batch here; the ward's row in the service's marks table (``services.runtime.marks``) holds
the stream sequence of the last of its events applied, written in the same transaction as what
they changed.

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
  a run cut short applies nothing beyond the proven run, and :meth:`WardBatches.apply_batch`
  says so: the consumer then makes the durable again at the mark's next sequence.

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
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import Table

from contracts.envelope import Event
from services.runtime import marks
from services.runtime.consumer import (
    RETRY_DELAY_S,
    TRANSIENT,
    ApplyInUnit,
    ConsumerSpec,
    RetryLater,
    count_dead_letters_from_zero,
    park,
)
from services.runtime.db import SessionFactory, transaction
from services.runtime.inbox import claim
from services.runtime.metrics import EVENT_BATCH_DURATION, EVENTS_PROCESSED
from services.runtime.partition_runs import Delivered, Gap, chain, partition_subject
from services.runtime.poison import Poison
from services.runtime.scrub import describe
from services.runtime.uow import UnitOfWork

log = logging.getLogger(__name__)


class WardBatches:
    """The wards' batches of one stream's events (``spec``), applied by ``apply(uow, events)``
    in units of work made by ``units``, each ward's last applied sequence in ``marks_table``;
    poison and failed events dead-lettered through ``js()``."""

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
        #: Per ward, (mark, delivery sequence) after this process's last commit.
        self._previous: dict[str, tuple[int, int]] = {}
        count_dead_letters_from_zero(service, spec.name)

    @property
    def js(self) -> JetStreamContext:
        return self._js()

    def forget(self, ward: str) -> None:
        """Stop trusting this process's last commit for ``ward`` (its durable was made again, or
        another instance may apply it): the next head is proven by the stream instead."""
        self._previous.pop(ward, None)

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
        self.forget(ward)
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
