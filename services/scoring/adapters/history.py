"""Reading the ASSESSMENT stream's history for a rebuild, reduced to facts.

Parsing and validating an event costs far more than folding it, so a long stream is cut into
contiguous ranges of sequences (:func:`split`), each read by a process of its own
(``history_processes``: the parent's side and the process's entry) through a reader consumer of
its own (no acks; ``READERS``, the names the service's NATS user may create) on a connection of
its own, with pull requests of its own (``history_range``: the reading process's loop). A process
sends its facts in chunks as it goes, in stream order; the caller folds the first range's while
the others are still being read. A short stream is read here (:func:`read_here`), in this
process, on the caller's connection.

This module holds what both ways share: how a message becomes a fact (a message that does not
validate is skipped, as the live consumer dead-lettered it), the reader consumers, and how a
reading process connects. A reading process imports it (spawned, it starts from nothing): it
stays clear of the database and the handler.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import nats
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy
from nats.js.errors import NotFoundError

from contracts.streams import ASSESSMENT
from services.runtime.poison import Poison, screen_fast
from services.scoring.domain.facts import Fact, fact_of

#: Where a reader hands its facts, chunk by chunk: in a reading process, to the pipe to the
#: parent; in the parent (:data:`Folder`), to the fold, which may write before it takes more.
Sink = Callable[[list[Fact]], None]
Folder = Callable[[list[Fact]], Awaitable[None]]

#: A reader consumer left behind (its reader died) goes away after this long unused.
INACTIVE_S = 120.0
#: The in-process reader's fetch size.
FETCH = 2_000
#: The readers' consumer names, one per reading process: fixed, so that the service's NATS user
#: may be granted exactly these (infra/nats/accounts.conf), not any consumer on the stream.
READERS = tuple(f"scoring-rebuild-{n}" for n in range(4))


@dataclass(frozen=True)
class NatsAccess:
    """How a reading process connects to NATS: the caller's servers and credentials."""

    servers: tuple[str, ...]
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    inbox_prefix: str = "_INBOX"

    async def connect(self) -> Client:
        return await nats.connect(
            servers=list(self.servers),
            user=self.user,
            password=self.password,
            token=self.token,
            inbox_prefix=self.inbox_prefix,
            name="ward5s-scoring-rebuild",
            max_reconnect_attempts=5,
        )


def split(first: int, last: int, parts: int) -> list[tuple[int, int]]:
    """``[first, last]`` as ``parts`` contiguous ranges of sequences (fewer if it is short)."""
    count = last - first + 1
    parts = max(1, min(parts, count))
    bounds = [first + count * i // parts for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(parts)]


def fact_at(sequence: int, subject: str, payload: bytes) -> Fact | None:
    """The fact of the message at ``sequence``, None if it is no valid event of ours."""
    try:
        return fact_of(sequence, screen_fast(subject, payload))
    except Poison:
        return None  # the live consumer dead-lettered it


# --- here, on the caller's connection ---------------------------------------------------------


async def open_reader(js: JetStreamContext, first: int) -> JetStreamContext.PullSubscription:
    """A pull subscription on the stream from sequence ``first``, in this process, through the
    first reader consumer; one at a time."""
    # Created by name, then bound: ``pull_subscribe`` would name it at random.
    await add_reader(js, READERS[0], first, max_waiting=1)
    return await js.pull_subscribe_bind(consumer=READERS[0], stream=ASSESSMENT.name)


async def close_reader(
    js: JetStreamContext, subscription: JetStreamContext.PullSubscription
) -> None:
    with contextlib.suppress(Exception):
        await subscription.unsubscribe()
    with contextlib.suppress(Exception):
        await forget_reader(js, READERS[0])


async def read_here(js: JetStreamContext, first: int, last: int, sink: Folder) -> None:
    """Read ``[first, last]`` in this process and hand its facts to ``sink``, in order."""
    subscription = await open_reader(js, first)
    try:
        done = False
        while not done:
            try:
                messages = await subscription.fetch(FETCH, timeout=1.0)
            except (NatsTimeoutError, TimeoutError):
                # Nothing came: the stream may end before ``last`` (its last messages deleted).
                done = (await subscription.consumer_info()).num_pending == 0
                continue
            facts = []
            for message in messages:
                metadata = message.metadata
                sequence = metadata.sequence.stream
                if sequence > last:
                    done = True
                    break
                fact = fact_at(sequence, message.subject, message.data)
                if fact is not None:
                    facts.append(fact)
                if sequence >= last or metadata.num_pending == 0:
                    done = True
                    break
            await sink(facts)
    finally:
        await close_reader(js, subscription)


# --- the reader consumers ---------------------------------------------------------------------


async def forget_reader(js: JetStreamContext, name: str) -> None:
    """Delete a reader's consumer left behind by an earlier rebuild that died (it would otherwise
    linger until its inactivity threshold, with the wrong start)."""
    with contextlib.suppress(NotFoundError):
        await js.delete_consumer(ASSESSMENT.name, name)


async def add_reader(
    js: JetStreamContext, name: str, first: int, *, max_waiting: int
) -> ConsumerInfo:
    """The reader consumer ``name`` (one the service's NATS user may create), from sequence
    ``first``: no acks, its state in memory, gone once unused for a while. One left behind by an
    earlier rebuild is deleted first."""
    await forget_reader(js, name)
    return await js.add_consumer(
        ASSESSMENT.name,
        ConsumerConfig(
            name=name,
            filter_subject=ASSESSMENT.subjects[0],
            ack_policy=AckPolicy.NONE,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=first,
            inactive_threshold=INACTIVE_S,
            max_waiting=max_waiting,
            mem_storage=True,
        ),
    )
