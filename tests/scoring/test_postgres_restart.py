"""PostgreSQL restarted under a running scoring service (issue 21, item 2): while the database
is down the consumer's batches fail and are redelivered, nothing is acknowledged that was not
committed; once it is back the service carries on by itself and its figures equal a fault-free
fold of the same events: nothing lost, nothing counted twice. The test prints how long it took.
A PostgreSQL of the test's own (the session's is shared), real NATS, scoring as a process."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pgserver
import pytest
from nats.js import JetStreamContext

from tests.scoring.projection import Projection
from tests.scoring.test_scale_out import figures, history, publish
from tests.support.stack import Stack
from tests.support.wards import wards_behind
from tools.processes import wait_until_ready

pytestmark = [pytest.mark.nats, pytest.mark.postgres, pytest.mark.e2e]


def database(server: object, name: str) -> str:
    server.psql(f"CREATE DATABASE {name};")  # type: ignore[attr-defined]
    uri: str = server.get_uri(name)  # type: ignore[attr-defined]
    return uri.replace("postgresql://", "postgresql+asyncpg://", 1)


async def applied(url: str, js: JetStreamContext) -> bool:
    """Whether scoring's marks have reached every ward's last message (False while its
    database cannot be reached)."""
    try:
        return await wards_behind(js, url) == 0
    except OSError:
        return False


async def until(probe, within: float) -> None:
    deadline = time.monotonic() + within
    while not await probe():
        assert time.monotonic() < deadline, "not within the time"
        await asyncio.sleep(0.5)


async def test_scoring_carries_on_after_postgresql_restarts_losing_and_doubling_nothing(
    nats_server, nats_client, tmp_path: Path
) -> None:
    data = tmp_path / "pg"
    server = pgserver.get_server(data, cleanup_mode="stop")
    url = database(server, "scoring")
    stack = Stack(nats_server.url, {"scoring": url}, tmp_path).start("scoring")
    stream = history()
    half = len(stream) // 2
    try:
        await publish(nats_client, stream[:half])
        js = nats_client.jetstream()
        await until(lambda: applied(url, js), within=60)

        server.cleanup()  # PostgreSQL stops
        stopped = time.monotonic()
        await publish(nats_client, stream[half:])
        await asyncio.sleep(3)  # the consumer meets a database that is gone
        server = pgserver.get_server(data, cleanup_mode="stop")  # and it comes back
        await until(lambda: applied(url, js), within=120)
        caught_up = time.monotonic() - stopped
        await asyncio.to_thread(wait_until_ready, f"{stack.url('scoring')}/readyz", 30)
        print(f"\nPostgreSQL down 3 s: scoring caught up {caught_up:.1f} s after it stopped")
        assert stack.services["scoring"].process.poll() is None  # never restarted by hand

        reference = database(server, "reference")
        projection = await Projection(reference).create()
        await projection.feed(stream)
        await projection.engine.dispose()
        assert await figures(url) == await figures(reference)
    finally:
        stack.stop()
        server.cleanup()
