"""The runtime's delivery guarantees, against a real nats-server with JetStream and a real
PostgreSQL: the outbox publishes each event exactly once across crashes, the inbox applies each
event once across redeliveries, and a bad message goes to the dead-letter stream while the
consumer carries on."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from faststream.nats import NatsBroker
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.envelope import SYSTEM, Event
from contracts.events import PeriodClosed
from contracts.streams import ASSESSMENT
from contracts.subjects import context_subjects
from services.runtime.broker import build_broker, jetstream
from services.runtime.consumer import ConsumerSpec, EventConsumer
from services.runtime.db import (
    PlumbingTables,
    create_engine,
    new_metadata,
    session_factory,
    transaction,
)
from services.runtime.outbox import OutboxRelay, stage
from services.runtime.settings import ServiceSettings
from tests.support.bus import lose_first_acks
from tests.support.http import eventually

pytestmark = [pytest.mark.nats, pytest.mark.postgres]


def period_closed(month: int) -> PeriodClosed:
    return PeriodClosed(
        ward="binh-dong",
        occurred_at=datetime.now(UTC),
        actor=SYSTEM,
        data={"period": f"2026-{month:02d}"},
    )


class Database:
    """A throwaway service database: plumbing tables plus a table the test handler writes."""

    def __init__(self, url: str) -> None:
        self.metadata: MetaData = new_metadata()
        self.plumbing = PlumbingTables(self.metadata)
        self.applied = Table(
            "applied",
            self.metadata,
            Column("event_id", String(36), primary_key=True),
            Column("times", Integer, nullable=False),
        )
        self.engine = create_engine(url)
        self.sessions = session_factory(self.engine)

    async def create(self) -> Database:
        async with self.engine.begin() as connection:
            await connection.run_sync(self.metadata.create_all)
        return self

    async def apply(self, session: AsyncSession, events: Sequence[Event]) -> None:
        await session.execute(
            self.applied.insert(), [{"event_id": str(e.event_id), "times": 1} for e in events]
        )

    async def count(self, table: Table) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def stream_event_ids(nats_client, stream: str = ASSESSMENT.name) -> list[str]:
    js = nats_client.jetstream()
    info = await js.stream_info(stream)
    ids = []
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        message = await js.get_msg(stream, sequence)
        ids.append(message.headers["Nats-Msg-Id"])
    return ids


async def connected_broker(url: str) -> NatsBroker:
    broker = build_broker(ServiceSettings(service="test", http_port=0, nats_url=url))
    await broker.connect()
    return broker


async def test_outbox_publishes_exactly_once_across_crashes(
    nats_client, nats_server, pg_url
) -> None:
    db = await Database(pg_url).create()
    events = [period_closed(1 + n % 12) for n in range(50)]
    async with transaction(db.sessions) as session:
        await stage(session, db.plumbing.outbox, events)
    # Crash after publishing but before marking: the first 20 are on the stream already.
    js = nats_client.jetstream()
    for event in events[:20]:
        await js.publish(
            event.subject,
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(event.event_id)},
        )
    broker = await connected_broker(nats_server.url)
    try:
        relay = OutboxRelay(
            "test", db.sessions, db.plumbing.outbox, jetstream(broker), batch=7, lock_rows=True
        )
        while await relay.publish_pending():
            pass
        ids = await stream_event_ids(nats_client)
        assert sorted(ids) == sorted(str(e.event_id) for e in events)
        assert len(ids) == len(set(ids)) == 50
        async with db.sessions() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(db.plumbing.outbox)
                .where(db.plumbing.outbox.c.published_at.is_(None))
            )
        assert pending == 0
        # A relay that runs again finds nothing to do and publishes nothing more.
        assert await relay.publish_pending() == 0
        assert len(await stream_event_ids(nats_client)) == 50
    finally:
        await broker.stop()
        await db.engine.dispose()


async def test_redelivered_events_are_applied_once(
    nats_client, nats_server, pg_url, monkeypatch
) -> None:
    db = await Database(pg_url).create()
    broker = build_broker(ServiceSettings(service="test", http_port=0, nats_url=nats_server.url))
    consumer = EventConsumer(
        "test",
        ConsumerSpec(
            "test-redelivery",
            ASSESSMENT,
            context_subjects("assessment"),
            "test",
            batch_size=16,
            ack_wait_s=1.0,
        ),
        db.sessions,
        db.plumbing.inbox,
        db.apply,
        broker,
    )
    consumer.register()
    # The first delivery of every message commits but "loses" its ack, as a crash would.
    lost = lose_first_acks(monkeypatch)
    await broker.start()
    try:
        events = [period_closed(m) for m in range(1, 11)]
        js = nats_client.jetstream()
        for event in events:
            await js.publish(
                event.subject,
                event.model_dump_json().encode(),
                headers={"Nats-Msg-Id": str(event.event_id)},
            )

        async def all_acked() -> bool:
            info = await js.consumer_info(ASSESSMENT.name, "test-redelivery")
            return info.num_ack_pending == 0 and info.num_pending == 0 and len(lost) == 10

        await eventually(all_acked, within=20)
        assert await db.count(db.applied) == 10  # each applied once, though delivered twice
        assert await db.count(db.plumbing.inbox) == 10
    finally:
        await broker.stop()
        await db.engine.dispose()


async def test_bad_message_is_dead_lettered_and_the_rest_applied(
    nats_client, nats_server, pg_url
) -> None:
    db = await Database(pg_url).create()
    broker = build_broker(ServiceSettings(service="test", http_port=0, nats_url=nats_server.url))
    consumer = EventConsumer(
        "test",
        ConsumerSpec("test-dlq", ASSESSMENT, context_subjects("assessment"), "test"),
        db.sessions,
        db.plumbing.inbox,
        db.apply,
        broker,
    )
    consumer.register()
    await broker.start()
    try:
        js = nats_client.jetstream()
        good = [period_closed(m) for m in range(1, 4)]
        await js.publish(good[0].subject, good[0].model_dump_json().encode())
        await js.publish("ward5s.binh-dong.assessment.audit.submitted", b'{"type": "nonsense"}')
        await js.publish("ward5s.binh-dong.assessment.audit.submitted", b"\xff not json")
        for event in good[1:]:
            await js.publish(event.subject, event.model_dump_json().encode())

        async def three_applied() -> bool:
            return await db.count(db.applied) == 3

        await eventually(three_applied, within=10)
        info = await js.stream_info("DEADLETTER")
        assert info.state.messages == 2
        letter = await js.get_msg("DEADLETTER", info.state.first_seq)
        assert letter.subject == "ward5s_dlq.binh-dong.test"
        assert letter.headers["Ward5s-Reason"] == "unknown_type"
        assert letter.headers["Ward5s-Original-Subject"].endswith("audit.submitted")
        assert letter.data == b'{"type": "nonsense"}'  # kept as it came, to inspect or replay
        await asyncio.sleep(0.2)
        consumer_info = await js.consumer_info(ASSESSMENT.name, "test-dlq")
        assert consumer_info.num_ack_pending == 0
    finally:
        await broker.stop()
        await db.engine.dispose()
