"""Fixtures of the notifications tests: a real SMTP server, and the service started on the
test's NATS server with a database of its own and its clock where the test wants it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient

from tests.notifications.harness import Harness, Mailbox, settings_for, start, stop
from tools.processes import NatsServer


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


Starter = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def notifications(
    nats_server: NatsServer, nats_client: NatsClient, sqlite_url: str, mailbox: Mailbox
) -> AsyncIterator[Starter]:
    """Starts the service (``await notifications(clock_start=…, database_url=…, …)``); every
    instance started is stopped at the end of the test."""
    started: list[Harness] = []

    async def launch(**overrides: Any) -> Harness:
        overrides.setdefault("database_url", sqlite_url)
        harness = await start(
            settings_for(nats_server.url, mailbox=mailbox, **overrides),
            nats_client.jetstream(),
            mailbox,
        )
        started.append(harness)
        return harness

    yield launch
    for harness in started:
        await stop(harness)
