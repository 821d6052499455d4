"""On a real nats-server and PostgreSQL: scoring applying assessment's events by partition (a
durable per ward, one instance per ward by lease, the ward's last applied stream sequence beside
the sums, one ack per batch) gives exactly the figures of the inbox, across acks lost after the
commit, a batch that failed before it, two instances, two appliers of one ward at once, poison
in the middle of a ward, and a rebuild."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from nats.aio.msg import Msg
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from contracts.envelope import Event
from contracts.streams import ASSESSMENT, DEAD_LETTERS
from services.runtime import deadletters, marks
from services.runtime.broker import jetstream
from services.runtime.metrics import CONSUMER_PENDING
from services.runtime.partitions import PartitionedConsumer
from services.runtime.settings import ServiceSettings
from services.scoring import bootstrap
from services.scoring.adapters.tables import partition_marks, plumbing
from services.scoring.rebuild import rebuild
from services.scoring.settings import ScoringSettings
from tests.scoring.events import WARD
from tests.scoring.projection import Projection
from tests.scoring.test_scale_out import (
    Instance,
    config,
    figures,
    history,
    publish,
    reference_unit_sums,
)
from tests.support.http import eventually
from tests.support.stack import Stack

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

OTHER = "tan-dinh"
CONSUMER = bootstrap.ASSESSMENT_EVENTS.name


def two_wards() -> list[Event]:
    """The history of one ward, and the same facts for a second ward (ids of its own), mixed."""
    first = history()
    second = [e.model_copy(update={"ward": OTHER, "event_id": uuid.uuid4()}) for e in first]
    return [e for pair in zip(first, second, strict=True) for e in pair]


def partitioned(nats_url: str, database_url: str, batch: int = 8) -> ScoringSettings:
    """The scale-out test's settings, applying by partition."""
    shared = dict(config(nats_url, database_url))
    return ScoringSettings.model_validate(
        {**shared, "consumer_batch": batch, "delivery": "partitioned"}
    )


def inbox_mode(nats_url: str, database_url: str) -> ServiceSettings:
    """The scale-out test's settings: the inbox path."""
    return config(nats_url, database_url)


class Partitioned:
    """One scoring instance applying by partition, counting the events it applied."""

    def __init__(self, settings: ScoringSettings) -> None:
        self.runtime, self.scoring = bootstrap.build_runtime(settings)
        self.consumer: PartitionedConsumer = self.runtime.partitioned[0]
        self.consumer.renew_s = 0.2
        self.applied = 0
        apply = self.consumer.batches.apply

        async def counting(uow: Any, events: Sequence[Event]) -> None:
            await apply(uow, events)
            self.applied += len(events)

        self.consumer.batches.apply = counting

    async def marks(self) -> dict[str, int]:
        async with self.runtime.sessions() as session:
            return await marks.marks(session, partition_marks, CONSUMER)


async def last_sequences(js: Any) -> dict[str, int]:
    """Each ward's last message on the stream."""
    found = {}
    for ward in (WARD, OTHER):
        raw = await js.get_msg(ASSESSMENT.name, subject=f"ward5s.{ward}.assessment.>")
        found[ward] = raw.seq
    return found


async def inbox_size(instance: Partitioned) -> int:
    async with instance.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(plumbing.inbox)) or 0)


async def caught_up(instances: Sequence[Partitioned], js: Any) -> None:
    wanted = await last_sequences(js)

    async def done() -> bool:
        return await instances[0].marks() == wanted

    await eventually(done, within=60)


async def reference(nats_server: Any, url: str, expected: int) -> dict[str, Any]:
    """The figures of the inbox path on its own database (its own durable, then removed)."""
    alone = Instance(inbox_mode(nats_server.url, url))
    await alone.runtime.start()
    try:
        await eventually(lambda: _inbox_is(alone, expected), within=60)
    finally:
        await alone.runtime.stop()
    return await figures(url)


async def _inbox_is(instance: Instance, expected: int) -> bool:
    return await instance.inbox_size() == expected


async def test_two_instances_share_the_wards_and_give_what_the_inbox_gives(
    nats_client, nats_server, new_pg_database
) -> None:
    stream = two_wards()
    js = nats_client.jetstream()
    shared = new_pg_database()
    pair = [Partitioned(partitioned(nats_server.url, shared)) for _ in range(2)]
    for instance in pair:
        await instance.runtime.start()
    try:
        await asyncio.sleep(0.5)  # both say they are here before the wards appear
        await publish(nats_client, stream)
        await publish(nats_client, stream[:25])  # the duplicate window drops republished copies
        await caught_up(pair, js)
        held = [instance.consumer.held for instance in pair]
        # Neither applies anything more once the marks are at the stream's end.
        applied = [instance.applied for instance in pair]
        await asyncio.sleep(1.0)
        assert [instance.applied for instance in pair] == applied
        inbox = await inbox_size(pair[0])
    finally:
        for instance in pair:
            await instance.runtime.stop()
    assert held[0] | held[1] == {WARD, OTHER} and not held[0] & held[1], "one ward each"
    one = await reference(nats_server, new_pg_database(), len(stream))
    assert all(instance.applied > 0 for instance in pair), "both instances took a share"
    assert sum(instance.applied for instance in pair) == len(stream)
    # The inbox holds only what is not an audit: an audit's copy is stale by its revision.
    assert inbox == sum(1 for e in stream if bootstrap.needs_inbox(e))
    assert inbox < len(stream)
    two = await figures(shared)
    assert one["unit_month_pillars"] and one["unit_month_feedback"]
    assert one == two

    # The lag: what the wards' durables have yet to deliver, summed under the consumer's name.
    await publish(nats_client, two_wards()[:5])
    idle = Partitioned(partitioned(nats_server.url, shared))

    async def holds_nothing() -> frozenset[str]:
        return frozenset()

    idle.consumer.share_once = holds_nothing  # type: ignore[method-assign]
    await idle.runtime.start()
    try:
        await idle.consumer.measure_lag()
    finally:
        await idle.runtime.stop()
    assert CONSUMER_PENDING.labels("scoring", CONSUMER)._value.get() == 5
    ours = [e for e in stream if e.ward == WARD]
    stored = {
        (r[1], r[2], r[3]): list(r[4:8])
        for r in two["unit_month_pillars"]
        if r[0] == WARD and any(r[4:8])
    }
    assert stored == reference_unit_sums(ours)


async def test_acks_lost_after_the_commit_and_a_batch_failed_before_it_count_nothing_twice(
    nats_client, nats_server, new_pg_database, monkeypatch
) -> None:
    """Every ack is lost (as when a process dies between its commit and its ack): the messages
    come back after the ack wait and are skipped at or below the mark, with no inbox row for
    the audits; and the first transactions fail before their commit (the database away), so
    the ward repositions at its mark and applies them later, once."""
    stream = two_wards()
    await publish(nats_client, stream)
    js = nats_client.jetstream()
    one = await reference(nats_server, new_pg_database(), len(stream))

    url = new_pg_database()
    instance = Partitioned(partitioned(nats_server.url, url, batch=16))
    instance.consumer.batches.spec = dataclasses.replace(instance.consumer.spec, ack_wait_s=1.0)
    failures = {"left": 3}
    apply = instance.consumer.batches.apply

    async def failing_first(uow: Any, events: Sequence[Event]) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise OperationalError("INSERT", {}, ConnectionError("database away"))
        await apply(uow, events)

    instance.consumer.batches.apply = failing_first
    redelivered: list[int] = []
    original_decode = instance.consumer.decode

    def watching(messages: Sequence[Msg]) -> Any:
        found = original_decode(messages)
        redelivered.extend(d.sequence for d in found if not d.first)
        return found

    instance.consumer.decode = watching  # type: ignore[method-assign]

    async def lost(self: Msg) -> None:
        return None

    monkeypatch.setattr(Msg, "ack", lost)
    await instance.runtime.start()
    try:
        await caught_up([instance], js)
        marks_now = await instance.marks()
        await eventually(lambda: _some(redelivered), within=30)
        await asyncio.sleep(2.5)  # redeliveries come and go: nothing more is applied
        assert await instance.marks() == marks_now
    finally:
        await instance.runtime.stop()
    assert failures["left"] == 0
    assert all(sequence <= marks_now[ward_at(stream, sequence)] for sequence in redelivered)
    assert instance.applied == len(stream)
    assert await figures(url) == one


def ward_at(stream: Sequence[Event], sequence: int) -> str:
    """The ward of the stream's message ``sequence`` (published in this order from 1)."""
    return stream[sequence - 1].ward


async def _some(found: list[int]) -> bool:
    return bool(found)


async def test_two_appliers_of_one_ward_at_once_count_nothing_twice(
    nats_client, nats_server, new_pg_database
) -> None:
    """Leases aside (both instances apply every ward, each deleting and remaking the durable
    under the other): the mark, held in each batch's transaction, and the proof that a run
    follows it keep every event applied exactly once."""
    stream = two_wards()
    await publish(nats_client, stream)
    js = nats_client.jetstream()
    one = await reference(nats_server, new_pg_database(), len(stream))

    url = new_pg_database()
    pair = [Partitioned(partitioned(nats_server.url, url)) for _ in range(2)]

    async def every_ward(instance: Partitioned) -> None:
        consumer = instance.consumer
        while True:
            for ward in await consumer.wards():
                if ward not in consumer._runners:
                    consumer._runners[ward] = asyncio.create_task(consumer._run(ward))
            await asyncio.sleep(0.2)

    for instance in pair:
        instance.consumer.start = lambda: None  # type: ignore[method-assign]
        await instance.runtime.start()
    tasks = [asyncio.create_task(every_ward(instance)) for instance in pair]
    try:
        await caught_up(pair, js)
    finally:
        for task in tasks:
            task.cancel()
        for instance in pair:
            await instance.runtime.stop()
    assert sum(instance.applied for instance in pair) == len(stream)
    assert await figures(url) == one


async def test_poison_in_a_ward_is_dead_lettered_once_and_the_ward_goes_on(
    nats_client, nats_server, pg_url
) -> None:
    stream = history()[:20]
    js = nats_client.jetstream()
    await publish(nats_client, stream[:10])
    await js.publish(f"ward5s.{WARD}.assessment.audit.submitted", b"not json")
    await publish(nats_client, stream[10:])
    instance = Partitioned(partitioned(nats_server.url, pg_url))
    await instance.runtime.start()
    try:
        last = (await js.stream_info(ASSESSMENT.name)).state.last_seq

        async def done() -> bool:
            return (await instance.marks()).get(WARD) == last

        await eventually(done, within=30)
    finally:
        await instance.runtime.stop()
    assert instance.applied == len(stream)
    letters = await js.stream_info(DEAD_LETTERS.name)
    assert letters.state.messages == 1
    raw = await js.get_msg(DEAD_LETTERS.name, seq=letters.state.first_seq)
    assert raw.headers and raw.headers["Ward5s-Reason"] == "malformed"
    assert raw.headers["Ward5s-Original-Sequence"] == "11"


async def test_a_replayed_dead_letter_is_applied_once_by_partition(
    nats_client, nats_server, pg_url, new_pg_database
) -> None:
    """A rating and an audit fail in the handler (a defect) and are dead-lettered in order, the
    ward going on past them; replayed once the defect is mended, each is applied once, and a
    second copy of each, republished under another message id (as after the duplicate
    window), changes nothing: the rating's inbox row, the audit's revision."""
    stream = history()[:12]
    rating = next(e for e in history() if e.type == "assessment.feedback.received")
    audit = stream[0].model_copy(update={"event_id": uuid.uuid4()})
    audit = audit.model_copy(
        update={"data": audit.data.model_copy(update={"audit_id": uuid.uuid4()})}
    )
    failing = {str(rating.event_id), str(audit.event_id)}
    js = nats_client.jetstream()
    await publish(nats_client, [*stream[:6], rating, audit, *stream[6:]])
    instance = Partitioned(partitioned(nats_server.url, pg_url))
    apply = instance.consumer.batches.apply

    async def defective(uow: Any, events: Sequence[Event]) -> None:
        if any(str(e.event_id) in failing for e in events):
            raise ValueError("a defect in the handler")
        await apply(uow, events)

    instance.consumer.batches.apply = defective
    await instance.runtime.start()
    try:
        last = (await js.stream_info(ASSESSMENT.name)).state.last_seq

        async def at(sequence: int) -> bool:
            return (await instance.marks()).get(WARD) == sequence

        await eventually(lambda: at(last), within=30)
        assert instance.applied == len(stream)
        parked = [found async for found in deadletters.letters(js, "scoring", "handler_error")]
        assert [letter.original_sequence for letter in parked] == ["7", "8"]
        failing.clear()  # the defect mended
        replayed = await deadletters.replay(js, "scoring", parked)
        assert len(replayed.published) == 2
        for event in (rating, audit):  # copies past the duplicate window
            await js.publish(
                event.subject,
                event.model_dump_json().encode(),
                headers={"Nats-Msg-Id": f"copy-{event.event_id}"},
            )
        await eventually(lambda: at(last + 4), within=30)
    finally:
        await instance.runtime.stop()
    assert instance.applied == len(stream) + 2 + 1  # the audit's copy is applied, and stale
    projection_url = new_pg_database()
    projection = await Projection(projection_url).create()
    await projection.feed([*stream, rating, audit])
    await projection.engine.dispose()
    assert await figures(pg_url) == await figures(projection_url)


async def test_switching_from_the_inbox_to_partitions_and_back_changes_no_figure(
    nats_client, nats_server, pg_url
) -> None:
    """A deployment that has applied by the inbox switches to partitions (every ward from its
    first event: an audit is stale by its revision, every other kind finds its inbox row), and
    back (the inbox's durable goes on from where it was: the events applied meanwhile by
    partition are stale audits or claimed in the inbox too)."""
    stream = two_wards()
    js = nats_client.jetstream()
    await publish(nats_client, stream[:100])
    inbox = Instance(inbox_mode(nats_server.url, pg_url))
    await inbox.runtime.start()
    try:
        await eventually(lambda: _inbox_is(inbox, 100), within=60)
    finally:
        await inbox.runtime.stop()
    before = await figures(pg_url)
    instance = Partitioned(partitioned(nats_server.url, pg_url))
    await instance.runtime.start()
    try:
        await caught_up([instance], js)
        assert await figures(pg_url) == before, "the first 100 again change nothing"
        await publish(nats_client, stream[100:])
        await caught_up([instance], js)
    finally:
        await instance.runtime.stop()
    after = await figures(pg_url)
    await publish(nats_client, stream[:10])  # (dropped by the duplicate window)
    back = Instance(inbox_mode(nats_server.url, pg_url))
    await back.runtime.start()
    try:
        await eventually(lambda: _drained(js), within=60)
    finally:
        await back.runtime.stop()
    assert await figures(pg_url) == after
    # Of what the inbox's durable had not seen, only the audits are applied again (stale).
    assert back.applied == sum(1 for e in stream[100:] if not bootstrap.needs_inbox(e))


async def _drained(js: Any) -> bool:
    info = await js.consumer_info(ASSESSMENT.name, CONSUMER)
    return info.num_pending + info.num_ack_pending == 0


async def test_by_partition_on_sqlite_gives_what_the_inbox_gives(
    nats_client, nats_server, new_pg_database, tmp_path
) -> None:
    """A SQLite deployment (one writer: the batches, the leases and the relay take turns)."""
    stream = two_wards()
    await publish(nats_client, stream)
    js = nats_client.jetstream()
    one = await reference(nats_server, new_pg_database(), len(stream))
    url = f"sqlite+aiosqlite:///{tmp_path / 'partitioned.db'}"
    instance = Partitioned(partitioned(nats_server.url, url))
    await instance.runtime.start()
    try:
        await caught_up([instance], js)
    finally:
        await instance.runtime.stop()
    assert instance.applied == len(stream)
    assert await figures(url) == one


async def test_a_rebuild_equals_live_and_raises_every_mark_to_what_it_replayed(
    nats_client, nats_server, pg_url
) -> None:
    stream = two_wards()
    await publish(nats_client, stream)
    js = nats_client.jetstream()
    live = Partitioned(partitioned(nats_server.url, pg_url))
    await live.runtime.start()
    try:
        await caught_up([live], js)
        before = await figures(pg_url)
        # The marks spoiled low: only the rebuild's raise brings them to the stream's end.
        async with live.runtime.sessions() as session, session.begin():
            await session.execute(partition_marks.update().values(mark=5))
        report = await rebuild(
            jetstream(live.runtime.broker),
            live.runtime.sessions,
            live.scoring,
            CONSUMER,
            marks=partition_marks,
        )
        assert report.events == len(stream)
        assert await live.marks() == dict.fromkeys((WARD, OTHER), len(stream))
        applied = live.applied
        await asyncio.sleep(1.0)
        assert live.applied == applied, "nothing applied again after the rebuild"
    finally:
        await live.runtime.stop()
    assert await figures(pg_url) == before


@pytest.mark.e2e
async def test_a_scoring_process_killed_again_and_again_counts_each_event_once(
    nats_client, nats_server, new_pg_database, tmp_path
) -> None:
    """``python -m services.scoring`` by partition, killed with SIGKILL while it applies (a
    batch committed and not acked, or not committed), started again each time: the next one
    takes the wards once their leases run out and goes on from their marks. Its figures equal
    those of the inbox fed every event once."""
    stream = two_wards()
    url = new_pg_database()
    stack = Stack(
        nats_server.url,
        {"scoring": url},
        tmp_path,
        extra_env={"WARD5S_SCORING_DELIVERY": "partitioned", "WARD5S_SCORING_CONSUMER_BATCH": "4"},
    ).start("scoring")
    js = nats_client.jetstream()
    size = len(stream) // 4 + 1
    chunks = [stream[n : n + size] for n in range(0, len(stream), size)]
    kills = 0
    try:
        for chunk in chunks:
            await publish(nats_client, chunk)
            await asyncio.sleep(0.3 + 0.3 * kills)
            stack.services["scoring"].kill()
            kills += 1
            stack.start("scoring")
        wanted = await last_sequences(js)
        watched = Projection(url)

        async def done() -> bool:
            async with watched.sessions() as session:
                return await marks.marks(session, partition_marks, CONSUMER) == wanted

        try:
            await eventually(done, within=120)
        finally:
            await watched.engine.dispose()
    finally:
        stack.stop()
    assert kills == 4
    reference_url = new_pg_database()
    projection = await Projection(reference_url).create()
    await projection.feed(stream)
    await projection.engine.dispose()
    assert await figures(url) == await figures(reference_url)
