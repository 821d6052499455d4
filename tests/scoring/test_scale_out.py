"""On a real nats-server and PostgreSQL: two scoring instances sharing the durable consumer and
one database give exactly the figures one instance gives, and a rebuild from the stream gives
exactly the live figures."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select, text

from contracts.envelope import Event
from contracts.events import AuditWithdrawn
from contracts.streams import ASSESSMENT
from services.runtime.broker import jetstream
from services.runtime.settings import ServiceSettings
from services.scoring import bootstrap
from services.scoring.adapters.tables import low_flags, plumbing, unit_month_pillars
from services.scoring.rebuild import RebuildReport, rebuild
from services.scoring.settings import ScoringSettings
from tests.conftest import bearer
from tests.scoring import events as ev
from tests.scoring.projection import Projection
from tests.support.http import eventually
from tests.support.keys import session_keys

pytestmark = [pytest.mark.nats, pytest.mark.postgres]


def history() -> list[Event]:
    """Three months of a ward: audits amended and withdrawn, reviews, task results, ratings,
    a month closed and then a late correction to it."""
    stream: list[Event] = []
    for n in range(40):
        unit, month = ("kt", "vp", "vhxh", "tt")[n % 4], ("2026-01", "2026-02", "2026-03")[n % 3]
        audit_id = uuid.uuid4()
        marks = [(n + i) % 5 if (n + i) % 7 else None for i in range(25)]
        first = ev.submitted(audit_id, unit, month, marks)
        stream.append(first)
        if n % 3 == 0:
            stream.append(
                ev.amended(audit_id, unit, month, 2, [4 - (m or 0) for m in marks], first.data)
            )
        if n % 5 == 0:
            stream.append(ev.withdrawn(audit_id, unit, month, 3, first.data))
    for p in range(12):
        for month in ("2026-01", "2026-02"):
            person, unit = f"p{p:02d}", ("kt", "vp")[p % 2]
            stream.append(ev.reviewed(person, unit, month, [(p + i) % 5 for i in range(8)]))
            stream.append(ev.task_result(person, month, 36 + 3 * p))
    stream += [
        ev.feedback(("kt", "vp")[i % 2], "2026-02", 1 + i % 5, day=1 + i % 3) for i in range(30)
    ]
    stream.append(ev.closed("2026-01"))
    stream.append(ev.reviewed("p00", "kt", "2026-01", [4] * 8, revision=2, hour=9))  # late
    return stream


def reference_unit_sums(stream: Sequence[Event]) -> dict[tuple[str, str, str], list[int]]:
    """Each audit's newest revision, unless withdrawn, summed item by item."""
    newest: dict[uuid.UUID, Any] = {}
    for event in stream:
        data = getattr(event, "data", None)
        audit_id = getattr(data, "audit_id", None)
        if audit_id is not None and (
            audit_id not in newest or data.revision > newest[audit_id].data.revision
        ):
            newest[audit_id] = event
    sums: dict[tuple[str, str, str], list[int]] = {}
    for event in newest.values():
        if isinstance(event, AuditWithdrawn):
            continue
        for item in event.data.items:
            slot = sums.setdefault((event.data.unit_id, event.data.period, item.pillar), [0] * 4)
            if item.score is None:
                slot[3] += 1
            else:
                weight = round(item.weight * 1000)
                slot[0] += weight * item.score
                slot[1] += weight * 4
                slot[2] += 1
    return sums


async def publish(nats_client: Any, events: Sequence[Event]) -> None:
    js = nats_client.jetstream()
    for event in events:
        await js.publish(
            event.subject,
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(event.event_id)},
        )


def config(nats_url: str, database_url: str) -> ScoringSettings:
    """Two instances sharing the inbox path's one durable (``WARD5S_SCORING_DELIVERY=inbox``);
    by ward, the same figures are test_partitions.py's."""
    return ScoringSettings(
        service="scoring",
        environment="test",
        http_port=0,
        nats_url=nats_url,
        database_url=database_url,
        consumer_batch=8,  # small batches so two instances interleave
        relay_poll_s=0.1,
        delivery="inbox",
        **session_keys().settings(),
    )


class Instance:
    """One scoring process's parts, started in this process, counting the events it applied."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.runtime, self.scoring = bootstrap.build_runtime(settings)
        self.applied = 0
        #: Cleared while the instances of a deployment start together (:func:`run`): until
        #: all have started a batch waits, so the first cannot apply the whole stream alone.
        self.all_started = asyncio.Event()
        self.all_started.set()
        consumer = self.runtime.consumers[0]
        apply = consumer.apply

        async def counting(session: Any, events: Sequence[Event]) -> None:
            await self.all_started.wait()
            await apply(session, events)
            self.applied += len(events)

        consumer.apply = counting

    async def rebuild(self) -> RebuildReport:
        """Replay the stream into a fresh projection and swap it in, while this one runs."""
        return await rebuild(
            jetstream(self.runtime.broker),
            self.runtime.sessions,
            self.scoring,
            bootstrap.ASSESSMENT_EVENTS.name,
        )

    async def inbox_size(self) -> int:
        async with self.runtime.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(plumbing.inbox)) or 0)


async def run(instances: Sequence[Instance], expected: int) -> None:
    # Started together, as a deployment's instances are: each migrates in a child process
    # first, and one started after the other had applied everything would get no share (on a
    # loaded machine one start can take a second longer), so none applies before all started.
    for instance in instances:
        instance.all_started.clear()
    await asyncio.gather(*(instance.runtime.start() for instance in instances))
    for instance in instances:
        instance.all_started.set()

    async def done() -> bool:
        return await instances[0].inbox_size() == expected

    await eventually(done, within=60)


async def stop(instances: Sequence[Instance]) -> None:
    for instance in instances:
        await instance.runtime.stop()


async def figures(url: str) -> dict[str, list[tuple[Any, ...]]]:
    projection = Projection(url)
    try:
        found = await projection.tables()
        async with projection.sessions() as session:
            # What is flagged low now follows from the final figures. A flag back at "not low"
            # records a recovery announced on the way, which depends on the order the instances
            # happened to apply the events in (provisional alerts), so it is not compared.
            rows = await session.execute(
                select(
                    low_flags.c.subject_kind,
                    low_flags.c.subject_id,
                    low_flags.c.period,
                    low_flags.c.metric,
                ).where(low_flags.c.low)
            )
            found["low_flags"] = sorted(tuple(r) for r in rows)
        return found
    finally:
        await projection.close()


async def test_two_instances_give_exactly_what_one_gives_and_rebuild_equals_live(
    nats_client, nats_server, new_pg_database
) -> None:
    stream = history()
    await publish(nats_client, stream)
    await publish(nats_client, stream[:25])  # the duplicate window drops republished copies

    alone_db, shared_db = new_pg_database(), new_pg_database()
    alone = [Instance(config(nats_server.url, alone_db))]
    try:
        await run(alone, len(stream))
    finally:
        await stop(alone)
    # The second deployment starts from the start of the stream with its own durable consumer.
    await nats_client.jetstream().delete_consumer(ASSESSMENT.name, bootstrap.ASSESSMENT_EVENTS.name)
    pair = [Instance(config(nats_server.url, shared_db)) for _ in range(2)]
    try:
        await run(pair, len(stream))
    finally:
        await stop(pair)

    assert all(instance.applied > 0 for instance in pair), "both instances took a share"
    assert sum(i.applied for i in pair) == len(stream)
    one, two = await figures(alone_db), await figures(shared_db)
    assert one["unit_month_pillars"] and one["person_month_plus"] and one["unit_month_feedback"]
    assert one == two
    # And both equal the simple computation from each audit's final state.
    stored = {(r[1], r[2], r[3]): list(r[4:8]) for r in one["unit_month_pillars"] if any(r[4:8])}
    assert stored == reference_unit_sums(stream)

    # Rebuild: spoil the live sums, replay the stream into a fresh projection and swap it in,
    # while the service runs.
    live = Instance(config(nats_server.url, alone_db))
    await live.runtime.start()
    try:
        async with live.runtime.sessions() as session, session.begin():
            await session.execute(
                delete(unit_month_pillars).where(unit_month_pillars.c.unit_id == "kt")
            )
        assert (await figures(alone_db))["unit_month_pillars"] != one["unit_month_pillars"]
        report = await live.rebuild()
        assert report.events == len(stream)
        async with live.runtime.sessions() as session:
            scratch = await session.scalar(
                text(
                    "SELECT count(*) FROM information_schema.schemata "
                    "WHERE schema_name LIKE 'scoring_rebuild_%'"
                )
            )
        assert scratch == 0, "the scratch schema is dropped after the swap"
    finally:
        await live.runtime.stop()
    assert await figures(alone_db) == one


async def test_a_rebuild_on_sqlite_equals_live(nats_client, nats_server, sqlite_url) -> None:
    """A SQLite deployment rebuilds through a scratch SQLite file instead of a schema."""
    stream = history()
    await publish(nats_client, stream)
    live = Instance(config(nats_server.url, sqlite_url))
    await live.runtime.start()
    try:
        await eventually(lambda: _inbox_is(live, len(stream)), within=60)
        before = await figures(sqlite_url)
        async with live.runtime.sessions() as session, session.begin():
            await session.execute(delete(unit_month_pillars))
        assert (await figures(sqlite_url))["unit_month_pillars"] == []
        report = await live.rebuild()
        assert report.events == len(stream)
    finally:
        await live.runtime.stop()
    assert before["unit_month_pillars"]
    assert await figures(sqlite_url) == before


async def _inbox_is(instance: Instance, expected: int) -> bool:
    return await instance.inbox_size() == expected


async def test_the_admin_endpoint_rebuilds_while_the_service_runs(
    nats_client, nats_server, pg_url
) -> None:
    stream = history()[:30]
    await publish(nats_client, stream)
    app = bootstrap.build_app(config(nats_server.url, pg_url))
    runtime = app.state.runtime
    await runtime.start()
    try:

        async def applied() -> bool:
            async with runtime.sessions() as session:
                done = await session.scalar(select(func.count()).select_from(plumbing.inbox))
            return done == len(stream)

        await eventually(applied, within=30)
        before = await figures(pg_url)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://scoring") as http:
            refused = await http.post("/v1/admin/rebuild", headers=bearer("chairman", "p001"))
            assert refused.status_code == 403
            answer = await http.post("/v1/admin/rebuild", headers=bearer("admin", "p000"))
        assert answer.status_code == 200, answer.text
        assert answer.json()["events"] == len(stream)
        assert answer.json()["rows"]["audit_records"] == len({e.data.audit_id for e in stream})
    finally:
        await runtime.stop()
    assert await figures(pg_url) == before
