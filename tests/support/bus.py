"""Faults on the bus that tests inject on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import ServiceUnavailableError
from sqlalchemy import func, select

from services.runtime.service import Runtime
from tools.processes import NatsServer


def lose_first_acks(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Make the first ack of every message vanish, as a crash after the commit would: the
    server redelivers each message once more. Returns the ids whose first ack was lost."""
    lost: set[str] = set()
    original_ack = Msg.ack

    async def lossy_ack(message: Msg) -> None:
        key = message.headers["Nats-Msg-Id"] if message.headers else ""
        if key not in lost:
            lost.add(key)
            return
        await original_ack(message)

    monkeypatch.setattr(Msg, "ack", lossy_ack)
    return lost


# --- the event store out of space (issue 21, item 2) -------------------------------------------


def small_store(directory: Path) -> NatsServer:
    """A nats-server whose JetStream may keep only 4 MB on disk (the server's own limit), so a
    test can fill it."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "small.conf"
    config.write_text("jetstream { max_file_store: 4MB }\n")
    return NatsServer(directory / "nats", config=config, log=directory / "nats.log").start()


async def fill(js: JetStreamContext) -> None:
    """Something else takes the server's storage (a stream of its own), until the server
    refuses to store more."""
    await js.add_stream(name=FILLER, subjects=["filler.>"])
    with pytest.raises(ServiceUnavailableError):
        for _ in range(1000):
            await js.publish("filler.x", b"x" * 60_000)


async def free(js: JetStreamContext) -> None:
    """Space returns: the filler is purged."""
    await js.purge_stream(FILLER)


async def unpublished(runtime: Runtime) -> int:
    """Events in ``runtime``'s outbox not yet on the stream."""
    outbox = runtime.plumbing.outbox
    async with runtime.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        )
    return int(count or 0)


async def drained(runtime: Runtime) -> bool:
    return await unpublished(runtime) == 0


async def refusing(runtime: Runtime) -> bool:
    """The relay has seen JetStream refuse to store its events."""
    return runtime.relay is not None and runtime.relay.refused is not None


FILLER = "FILLER"
