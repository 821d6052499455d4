"""Reading the ASSESSMENT stream's history for a rebuild, reduced to facts.

Parsing and validating an event costs far more than folding it, so a long stream is cut into
contiguous ranges of sequences, each read by a process of its own through a reader consumer of
its own (no acks; ``READERS``, the names the service's NATS user may create) on a connection of
its own. A process sends its facts in chunks as it goes, in stream order; the caller folds the
first range's while the others are still being read. A short stream is read here, in this
process, on the caller's connection.

A message that does not validate is skipped, as the live consumer dead-lettered it.

This module is what a reading process imports (spawned, it starts from nothing): it stays clear
of the database and the handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import os
import pickle
import threading
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy
from nats.js.errors import NotFoundError

from contracts.streams import ASSESSMENT
from services.runtime.poison import Poison, screen_fast
from services.scoring.adapters.spool import Spool
from services.scoring.domain.fold import Fact, fact_of

log = logging.getLogger(__name__)

#: Where a reader hands its facts, chunk by chunk: in a reading process, to the pipe to the
#: parent; in the parent (:data:`Folder`), to the fold, which may write before it takes more.
Sink = Callable[[list[Fact]], None]
Folder = Callable[[list[Fact]], Awaitable[None]]

#: Facts per chunk a reading process sends: large enough to make pickling cheap per fact.
CHUNK = 20_000
#: Messages per pull request; one to two batches are kept due so the socket never runs dry.
PULL_BATCH = 2_000
#: Bytes per pull request: two of them stay well under what the server holds for a connection
#: before dropping it as a slow consumer (64 MiB by default). A request must still fit the
#: largest message the server accepts, or it could never be served.
PULL_MAX_BYTES = 16 * 1024 * 1024
PULL_EXPIRES_S = 30.0
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


def _fact(sequence: int, subject: str, payload: bytes) -> Fact | None:
    try:
        return fact_of(sequence, screen_fast(subject, payload))
    except Poison:
        return None  # the live consumer dead-lettered it


# --- here, on the caller's connection ---------------------------------------------------------


async def open_reader(js: JetStreamContext, first: int) -> JetStreamContext.PullSubscription:
    """A pull subscription on the stream from sequence ``first``, in this process, through the
    first reader consumer; one at a time."""
    # Created by name, then bound: ``pull_subscribe`` would name it at random.
    await _add_reader(js, READERS[0], first, max_waiting=1)
    return await js.pull_subscribe_bind(consumer=READERS[0], stream=ASSESSMENT.name)


async def close_reader(
    js: JetStreamContext, subscription: JetStreamContext.PullSubscription
) -> None:
    with contextlib.suppress(Exception):
        await subscription.unsubscribe()
    with contextlib.suppress(Exception):
        await _forget(js, READERS[0])


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
                fact = _fact(sequence, message.subject, message.data)
                if fact is not None:
                    facts.append(fact)
                if sequence >= last or metadata.num_pending == 0:
                    done = True
                    break
            await sink(facts)
    finally:
        await close_reader(js, subscription)


# --- in processes of their own ----------------------------------------------------------------


class _RangeReader:
    """Reads ``[first, last]`` through a reader consumer with pull requests of its own.

    nats-py's ``fetch`` awaits a task per message; here a subscription callback takes each
    message as it is parsed off the socket, and more messages are asked for while one to two
    batches are still due, so the socket never runs dry and the server never holds more for this
    connection than it allows (it drops a client that falls further behind). A request the
    server ends early (expired, too many bytes) says how many of its messages it will not send.
    """

    def __init__(self, client: Client, consumer: str, first: int, last: int, sink: Sink) -> None:
        self.client = client
        self.first, self.last = first, last
        self.sink = sink
        self.next_subject = f"$JS.API.CONSUMER.MSG.NEXT.{ASSESSMENT.name}.{consumer}"
        self.inbox = client.new_inbox()
        self.position = first - 1
        self.facts: list[Fact] = []
        self.due = 0  # messages asked for and not yet delivered
        self.heard = time.monotonic()
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.request_body = (
            f'{{"batch": %d, "max_bytes": {max(PULL_MAX_BYTES, 2 * client.max_payload)}, '
            f'"expires": {int(PULL_EXPIRES_S * 1e9)}}}'
        )

    async def run(self) -> None:
        subscription = await self.client.subscribe(self.inbox, cb=self._on_message)
        try:
            await self._request()
            while not self.finished.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self.finished), PULL_EXPIRES_S / 3)
                if not self.finished.done() and time.monotonic() - self.heard > PULL_EXPIRES_S + 5:
                    # The requests were lost on the way (a reconnection): ask again.
                    self.due = 0
                    self.heard = time.monotonic()
                    await self._request()
            self.finished.result()
        finally:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()

    async def _request(self) -> None:
        while self.due <= PULL_BATCH:
            batch = min(PULL_BATCH, self.last - self.position - self.due)
            if batch <= 0:
                return
            self.due += batch
            body = (self.request_body % batch).encode()
            await self.client.publish(self.next_subject, body, reply=self.inbox)

    async def _on_message(self, message: Msg) -> None:
        if self.finished.done():
            return
        self.heard = time.monotonic()
        headers = message.headers
        status = headers.get("Status") if headers else None
        if status is not None:
            assert headers is not None
            description = headers.get("Description", "")
            if status == "409" and "Deleted" in description:
                self._finish(RuntimeError(f"the rebuild's consumer went away: {description}"))
                return
            # A request ended (expired, too many bytes, completed): what it will not send.
            undelivered = int(headers.get("Nats-Pending-Messages", 0))
            if undelivered:
                self.due = max(0, self.due - undelivered)
                await self._request()
            return
        sequence, pending = _sequence_and_pending(message.reply)
        self.due -= 1
        if sequence > self.last:
            self._finish()  # past a gap at the end of the range: the next range's
            return
        self.position = sequence
        fact = _fact(sequence, message.subject, message.data)
        if fact is not None:
            self.facts.append(fact)
            if len(self.facts) >= CHUNK:
                self.sink(self.facts)
                self.facts = []
        if sequence >= self.last or pending == 0:
            self._finish()
        elif self.due <= PULL_BATCH:
            await self._request()

    def _finish(self, error: BaseException | None = None) -> None:
        if error is None:
            self.sink(self.facts)
            self.facts = []
            self.finished.set_result(None)
        else:
            self.finished.set_exception(error)


def _sequence_and_pending(reply: str) -> tuple[int, int]:
    """The stream sequence of a delivered message and how many follow it, from its reply
    subject (``$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.
    <pending>``, or with a domain and account hash after ``$JS.ACK``)."""
    tokens = reply.split(".")
    if len(tokens) == 9:
        return int(tokens[5]), int(tokens[8])
    return int(tokens[Msg.Ack.StreamSeq]), int(tokens[Msg.Ack.NumPending])


async def _forget(js: JetStreamContext, name: str) -> None:
    """Delete a reader's consumer left behind by an earlier rebuild that died (it would otherwise
    linger until its inactivity threshold, with the wrong start)."""
    with contextlib.suppress(NotFoundError):
        await js.delete_consumer(ASSESSMENT.name, name)


async def _add_reader(
    js: JetStreamContext, name: str, first: int, *, max_waiting: int
) -> ConsumerInfo:
    """The reader consumer ``name`` (one the service's NATS user may create), from sequence
    ``first``: no acks, its state in memory, gone once unused for a while. One left behind by an
    earlier rebuild is deleted first."""
    await _forget(js, name)
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


async def read_range(client: Client, name: str, first: int, last: int, sink: Sink) -> None:
    js = client.jetstream()
    info = await _add_reader(js, name, first, max_waiting=8)
    try:
        if info.num_pending == 0:
            sink([])
            return
        await _RangeReader(client, info.name, first, last, sink).run()
    finally:
        with contextlib.suppress(Exception):
            await _forget(js, name)


#: What a reading process's message holds, by its first byte: a chunk of facts, or what it says
#: (``("done", None)``, ``("error", why)``).
_FACTS, _SAID = b"F", b"S"


def _send(connection: Connection, kind: bytes, payload: object) -> None:
    connection.send_bytes(kind + pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))


def _read_in_process(
    access: NatsAccess, name: str, first: int, last: int, connection: Connection
) -> None:
    """A reading process: its facts go to ``connection`` in chunks, then ``("done", None)``."""

    parent = os.getppid()
    # Short-lived, and what it keeps (a chunk of facts) holds no cycles: the collector would
    # only slow the parsing down.
    gc.disable()

    async def main() -> None:
        client = await access.connect()
        try:
            reading = asyncio.create_task(
                read_range(
                    client, name, first, last, lambda facts: _send(connection, _FACTS, facts)
                )
            )
            while not reading.done():
                await asyncio.wait({reading}, timeout=1.0)
                if os.getppid() != parent:  # orphaned: nobody waits for these facts
                    reading.cancel()
            await reading
        finally:
            await client.close()

    try:
        asyncio.run(main())
        _send(connection, _SAID, ("done", None))
    except BaseException as error:  # told to the parent, which raises it
        _send(connection, _SAID, ("error", "".join(traceback.format_exception(error))[-4000:]))
    finally:
        connection.close()


async def read_in_processes(
    access: NatsAccess, ranges: Sequence[tuple[int, int]], sink: Folder
) -> None:
    """Read each range in a process of its own; hand their facts to ``sink`` in stream order
    (the first range's as they come, each next one's once the one before it is done)."""
    context = multiprocessing.get_context("spawn")
    loop = asyncio.get_running_loop()
    queues: list[asyncio.Queue[tuple[str, Any]]] = [asyncio.Queue() for _ in ranges]
    processes, pumps = [], []
    spools = [Spool() for _ in ranges]

    def pump(receiving: Connection, queue: asyncio.Queue[tuple[str, Any]], spool: Spool) -> None:
        """Receive a process's chunks as they come, so it never waits on a full pipe while an
        earlier range is folded; its facts go to disk (``spool``) until they are folded."""
        try:
            while True:
                raw = receiving.recv_bytes()
                if raw[:1] == _FACTS:
                    where = spool.append(memoryview(raw)[1:].tobytes())
                    loop.call_soon_threadsafe(queue.put_nowait, ("facts", where))
                    continue
                message = pickle.loads(raw[1:])
                loop.call_soon_threadsafe(queue.put_nowait, message)
                if message[0] != "facts":
                    return
        except (EOFError, OSError):
            loop.call_soon_threadsafe(queue.put_nowait, ("error", "the reading process died"))
        finally:
            receiving.close()

    finished = False
    try:
        for n, (first, last) in enumerate(ranges):
            receiving, sending = context.Pipe(duplex=False)
            process = context.Process(
                target=_read_in_process,
                args=(access, READERS[n], first, last, sending),
                name=f"scoring-rebuild-{n}",
                daemon=True,
            )
            process.start()
            sending.close()
            processes.append(process)
            thread = threading.Thread(
                target=pump, args=(receiving, queues[n], spools[n]), daemon=True
            )
            thread.start()
            pumps.append(thread)
        for n, queue in enumerate(queues):
            while True:
                kind, payload = await queue.get()
                if kind == "facts":
                    await sink(pickle.loads(spools[n].take(payload)))
                elif kind == "done":
                    break
                else:
                    raise RuntimeError(f"reading sequences {ranges[n]} failed: {payload}")
        finished = True
    finally:
        if not finished:  # failed or cancelled: the others' work is of no use
            for process in processes:
                if process.is_alive():
                    process.terminate()
        for process in processes:
            await asyncio.to_thread(process.join, 10)
        for thread in pumps:
            await asyncio.to_thread(thread.join, 10)
        for spool in spools:
            spool.close()
