"""A reading process's own loop: one range of the ASSESSMENT stream's sequences read through a
reader consumer (``services.scoring.adapters.history``) with pull requests of its own, its facts
handed on in chunks, in stream order. Imported by a spawned reading process: no database here.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from nats.aio.client import Client
from nats.aio.msg import Msg

from contracts.streams import ASSESSMENT
from services.scoring.adapters.history import Sink, add_reader, fact_at, forget_reader
from services.scoring.domain.facts import Fact

#: Facts per chunk a reading process sends: large enough to make pickling cheap per fact.
CHUNK = 20_000
#: Messages per pull request; one to two batches are kept due so the socket never runs dry.
PULL_BATCH = 2_000
#: Bytes per pull request: two of them stay well under what the server holds for a connection
#: before dropping it as a slow consumer (64 MiB by default). A request must still fit the
#: largest message the server accepts, or it could never be served.
PULL_MAX_BYTES = 16 * 1024 * 1024
PULL_EXPIRES_S = 30.0


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
        fact = fact_at(sequence, message.subject, message.data)
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


async def read_range(client: Client, name: str, first: int, last: int, sink: Sink) -> None:
    """Read ``[first, last]`` on ``client`` through the reader consumer ``name`` (made here,
    deleted after), its facts to ``sink`` in chunks of up to :data:`CHUNK`, in order."""
    js = client.jetstream()
    info = await add_reader(js, name, first, max_waiting=8)
    try:
        if info.num_pending == 0:
            sink([])
            return
        await _RangeReader(client, info.name, first, last, sink).run()
    finally:
        with contextlib.suppress(Exception):
            await forget_reader(js, name)
