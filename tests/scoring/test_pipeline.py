"""The pipelined consumer (scoring's), on a real nats-server and PostgreSQL: while one batch is
in the database the next is fetched and parsed, yet every event is applied once, in stream order,
and acked only after its batch committed; a bad message is still dead-lettered."""

from __future__ import annotations

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
from tests.scoring.test_scale_out import publish
from tests.support.bus import lose_first_acks
from tests.support.http import eventually

pytestmark = [pytest.mark.nats, pytest.mark.postgres]


def pipelined(name: str, db: Database, broker, apply) -> EventConsumer:
    spec = ConsumerSpec(
        name,
        ASSESSMENT,
        context_subjects("assessment"),
        "test",
        batch_size=4,
        ack_wait_s=1.0,
        pipelined=True,
    )
    consumer = EventConsumer("test", spec, db.sessions, db.plumbing.inbox, apply, broker)
    consumer.register()
    return consumer


async def test_every_event_is_applied_once_in_stream_order(
    nats_client, nats_server, pg_url
) -> None:
    db = await Database(pg_url).create()
    broker = build_broker(ServiceSettings(service="test", http_port=0, nats_url=nats_server.url))
    order: list[str] = []
    batches_in_flight = 0
    most_in_flight = 0

    async def apply(session: AsyncSession, events: Sequence[Event]) -> None:
        nonlocal batches_in_flight, most_in_flight
        batches_in_flight += 1
        most_in_flight = max(most_in_flight, batches_in_flight)
        try:
            await db.apply(session, events)
            order.extend(str(e.event_id) for e in events)
        finally:
            batches_in_flight -= 1

    pipelined("test-pipelined", db, broker, apply)
    await broker.start()
    try:
        events = [period_closed(1 + n % 12) for n in range(40)]
        await publish(nats_client, events[:20])
        js = nats_client.jetstream()
        await js.publish("ward5s.binh-dong.assessment.audit.submitted", b'{"type": "nonsense"}')
        await publish(nats_client, events[20:])

        async def all_acked() -> bool:
            info = await js.consumer_info(ASSESSMENT.name, "test-pipelined")
            return info.num_ack_pending == 0 and info.num_pending == 0 and len(order) == 40

        await eventually(all_acked, within=20)
        assert order == [str(e.event_id) for e in events]  # once each, in stream order
        assert most_in_flight == 1  # one batch in the database at a time
        assert await db.count(db.applied) == 40
        assert await db.count(db.plumbing.inbox) == 40
        assert (await js.stream_info("DEADLETTER")).state.messages == 1
    finally:
        await broker.stop()
        await db.engine.dispose()


async def test_an_ack_lost_after_the_commit_does_not_apply_twice(
    nats_client, nats_server, pg_url, monkeypatch
) -> None:
    db = await Database(pg_url).create()
    broker = build_broker(ServiceSettings(service="test", http_port=0, nats_url=nats_server.url))
    pipelined("test-pipelined-lossy", db, broker, db.apply)
    # The first delivery of every message commits but "loses" its ack, as a crash would.
    lost = lose_first_acks(monkeypatch)
    await broker.start()
    try:
        await publish(nats_client, [period_closed(1 + n % 12) for n in range(10)])
        js = nats_client.jetstream()

        async def all_acked() -> bool:
            info = await js.consumer_info(ASSESSMENT.name, "test-pipelined-lossy")
            return info.num_ack_pending == 0 and info.num_pending == 0 and len(lost) == 10

        await eventually(all_acked, within=20)
        assert await db.count(db.applied) == 10  # each applied once, though delivered twice
    finally:
        await broker.stop()
        await db.engine.dispose()
