"""A slow consumer at its ack-pending limit catches up (issue 21, item 2): JetStream stops
sending it more than ``max_ack_pending`` unacknowledged messages, the rest wait on the stream
(none dropped), and once it speeds up every event is applied once. Real NATS."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import Event
from contracts.streams import ASSESSMENT
from contracts.subjects import context_subjects
from services.runtime.broker import build_broker
from services.runtime.consumer import ConsumerSpec, EventConsumer
from services.runtime.settings import ServiceSettings
from tests.integration.test_delivery import Database, period_closed
from tests.support.http import eventually

pytestmark = [pytest.mark.nats]

LIMIT = 8
EVENTS = 120


async def test_a_slow_consumer_at_its_ack_pending_limit_catches_up_losing_nothing(
    nats_server, nats_client, sqlite_url
) -> None:
    db = await Database(sqlite_url).create()
    applied: Counter[str] = Counter()
    fast = asyncio.Event()

    async def apply(session: AsyncSession, events: Sequence[Event]) -> None:
        await fast.wait()  # stuck (a slow database) until the test lets it go
        applied.update(str(e.event_id) for e in events)

    spec = ConsumerSpec(
        "test-slow",
        ASSESSMENT,
        context_subjects("assessment"),
        "test",
        batch_size=4,
        ack_wait_s=60,
        max_ack_pending=LIMIT,
        pipelined=True,
    )
    broker = build_broker(ServiceSettings(service="test", http_port=0, nats_url=nats_server.url))
    EventConsumer("test", spec, db.sessions, db.plumbing.inbox, apply, broker).register()
    await broker.start()
    js = nats_client.jetstream()
    try:
        events = [period_closed(1 + n % 12) for n in range(EVENTS)]
        for event in events:
            await js.publish(
                event.subject,
                event.model_dump_json().encode(),
                headers={"Nats-Msg-Id": str(event.event_id)},
            )

        async def at_the_limit() -> bool:
            info = await js.consumer_info(ASSESSMENT.name, "test-slow")
            return info.num_ack_pending == LIMIT and info.num_pending == EVENTS - LIMIT

        assert await eventually(at_the_limit, within=20)
        await asyncio.sleep(1)  # held there: no more is sent while it is stuck
        info = await js.consumer_info(ASSESSMENT.name, "test-slow")
        assert (info.num_ack_pending, info.num_pending) == (LIMIT, EVENTS - LIMIT)
        assert info.config.max_ack_pending == LIMIT
        assert (await js.stream_info(ASSESSMENT.name)).state.messages == EVENTS

        fast.set()  # the database is fast again

        async def caught_up() -> bool:
            info = await js.consumer_info(ASSESSMENT.name, "test-slow")
            return info.num_ack_pending == 0 and info.num_pending == 0

        assert await eventually(caught_up, within=60)
        assert applied == Counter({str(e.event_id): 1 for e in events})
    finally:
        await broker.stop()
        await db.engine.dispose()
