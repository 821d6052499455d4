"""The services' PostgreSQL pool checks a connection out without a round trip (no ping), yet
never hands out one the server has closed (a restart, a backend ended by an operator): asyncpg
has noticed the close, and the pool takes a fresh connection instead."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from services.runtime.db import create_engine

pytestmark = [pytest.mark.postgres]

PID = text("SELECT pg_backend_pid()")


async def test_a_connection_the_server_closed_is_replaced_at_check_out(pg_url) -> None:
    engine = create_engine(pg_url)
    try:
        async with engine.connect() as first, engine.connect() as second:
            pids = {await first.scalar(PID), await second.scalar(PID)}
        # Both back in the pool; the server ends the one not in use while it waits there.
        async with engine.connect() as killer:
            (killed,) = pids - {await killer.scalar(PID)}
            await killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": killed})
        await asyncio.sleep(0.2)  # the server's close reaches the pooled connection
        for _ in range(3):  # each check-out gets a live connection, never the ended one
            async with engine.connect() as connection:
                assert await connection.scalar(PID) != killed
    finally:
        await engine.dispose()
