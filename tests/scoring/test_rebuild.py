"""A rebuild read by several processes and folded in memory gives exactly the rows the live
handler gives, batch by batch, for the same stream: the fold alone on SQLite, then the whole
rebuild on a real nats-server and PostgreSQL."""

from __future__ import annotations

import resource
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from contracts.envelope import Event
from contracts.events import CredentialsRevoked
from contracts.roles import Role
from contracts.streams import ASSESSMENT
from services.runtime.db import create_engine
from services.scoring import bootstrap
from services.scoring import rebuild as rebuilding
from services.scoring.adapters.history import NatsAccess, split
from services.scoring.adapters.policy_file import default_policy
from services.scoring.adapters.tables import (
    audit_records,
    classification_decisions,
    org_rosters,
    person_month_plus,
    plumbing,
    unit_month_feedback,
)
from services.scoring.domain.audits import HeldAudit
from services.scoring.domain.facts import FACTS, OTHER, fact_of
from services.scoring.domain.fold import Fold
from services.scoring.handlers import Scoring
from services.scoring.handlers.projection import FOLDS
from services.scoring.rebuild import rebuild
from services.scoring.settings import ScoringSettings
from tests.scoring import events as ev
from tests.scoring.projection import CONSUMER, Projection
from tests.support.http import eventually
from tests.support.keys import session_keys


def history() -> tuple[list[Event], list[Event]]:
    """A ward's history, and the copies of some of its events republished after the server's
    duplicate window (the live inbox skips them)."""
    stream: list[Event] = []
    for n in range(30):
        unit, month = ("kt", "vp", "vhxh")[n % 3], ("2026-01", "2026-02")[n % 2]
        audit_id = uuid.uuid4()
        marks = [(n + i) % 5 if (n + i) % 6 else None for i in range(25)]
        first = ev.submitted(audit_id, unit, month, marks)
        amended = ev.amended(audit_id, unit, month, 2, [4 - (m or 0) for m in marks], first.data)
        if n % 7 == 0:  # the amendment arrives first: the submission is stale when it comes
            stream += [amended, first]
        else:
            stream.append(first)
            if n % 3 == 0:
                stream.append(amended)
        if n % 4 == 0:
            stream.append(ev.withdrawn(audit_id, unit, month, 3, first.data))
        if n == 5:  # moved to another unit and month
            stream.append(ev.amended(audit_id, "tt", "2026-02", 4, [3] * 25, first.data))
    # Audits of some pillars only, in the same months as the full ones.
    stream.append(ev.submitted(uuid.uuid4(), "kt", "2026-01", [2] * 10))
    stream.append(ev.submitted(uuid.uuid4(), "kt", "2026-01", [None] * 5 + [4] * 5))
    for p in range(6):
        person, unit = f"p{p:02d}", ("kt", "vp")[p % 2]
        stream.append(ev.reviewed(person, unit, "2026-01", [(p + i) % 5 for i in range(8)]))
        stream.append(ev.task_result(person, "2026-01", 30 + p, hour=8))
        stream.append(ev.task_result(person, "2026-01", 60 - p, hour=4))  # older: loses
    stream.append(ev.reviewed("p06", "kt", "2026-01", [], outcome="returned"))  # a zero row
    stream.append(ev.reviewed("p07", "vp", "2026-01", [3] * 8))
    stream.append(ev.reviewed("p07", "vp", "2026-01", [], outcome="returned", revision=2))
    stream.append(ev.reviewed("p00", "kt", "2026-01", [1] * 8, hour=5))  # adjusted later
    stream.append(ev.reviewed("p01", "tt", "2026-01", [4] * 8, revision=2))  # moved unit
    stream.append(ev.task_result("p02", "2026-01", 10, hour=9, disqualified=True))
    # The ward's org chart: the newest version stands, an older one arriving late changes nothing.
    chart = [ev.person("p00", "kt"), ev.person("p01", "vp", Role.UNIT_HEAD)]
    stream.append(ev.org_chart(chart, version=2))
    stream.append(ev.org_chart(chart[:1], version=1))
    stream.append(
        ev.org_chart([*chart, ev.person("p08", "kt", employment_type="nguoi_lao_dong")], version=3)
    )
    stream += [
        ev.feedback(("kt", "vp")[i % 2], "2026-01", 1 + i % 5, day=1 + i % 2) for i in range(20)
    ]
    stream.append(ev.closed("2026-01"))
    stream.append(ev.reopened("2026-01"))
    stream.append(ev.closed("2026-02"))
    stream.append(ev.submitted(uuid.uuid4(), "kt", "2026-02", [2] * 25))  # late, after close
    # A month closes at its first close after its last reopen, however the batches fall.
    stream.append(ev.closed("2026-01", hour=10))  # after its reopen: closed at 10
    stream.append(ev.closed("2026-01", hour=11))  # closed already: still 10
    stream += [ev.closed("2026-03", hour=8), ev.closed("2026-03", hour=9)]  # 8
    stream += [ev.reopened("2026-03"), ev.closed("2026-03", hour=12)]  # 12
    copies = [
        next(e for e in stream if e.type == "assessment.feedback.received" and e.data.level == 1),
        next(e for e in stream if e.type == "assessment.audit.submitted"),
        next(e for e in stream if e.type == "assessment.period.closed"),  # 2026-01's, reopened
        next(e for e in stream if e.type == "assessment.task_result.recorded"),
    ]
    return stream, copies


#: The units and periods whose answers a rebuild must give exactly as live.
UNITS = ("kt", "vp", "vhxh", "tt")
PERIODS = ("2026-01", "2026-02", "2026-Q1", "last3m")


async def publish(js: Any, events: Sequence[Event], *, again: bool = False) -> None:
    for event in events:
        # A copy republished after the window has a message id the server has not seen.
        msg_id = str(uuid.uuid4()) if again else str(event.event_id)
        await js.publish(
            event.subject, event.model_dump_json().encode(), headers={"Nats-Msg-Id": msg_id}
        )


async def live_rows(url: str, events: Sequence[Event], batch: int) -> dict[str, list[Any]]:
    """The rows the live consumer leaves: the inbox claims each batch, the handler applies it,
    and a batch that fails is applied again one event at a time."""
    projection = await Projection(url).create()
    try:
        for start in range(0, len(events), batch):
            try:
                await projection.feed(events[start : start + batch])
            except DBAPIError:
                for event in events[start : start + batch]:
                    await projection.feed([event])
        return await projection.tables()
    finally:
        await projection.close()


@pytest.mark.parametrize("batch", [1, 5, 64])
async def test_the_fold_gives_the_rows_the_handler_gives(tmp_path, batch) -> None:
    """Folded in memory and written at once, or applied by the handler batch by batch (one
    event, a few, or enough that several closes of a month share a batch)."""
    stream, copies = history()
    events = [*stream[:40], *copies, *stream[40:]]
    live_url = f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"
    live = await live_rows(live_url, events, batch)
    fold = Fold()
    fold.add([fact_of(n, event) for n, event in enumerate(events, 1)])
    url = f"sqlite+aiosqlite:///{tmp_path / 'folded.db'}"
    no_stream: Any = None  # the catch-up is not reached
    replay = await rebuilding.Replay(
        no_stream, Scoring(default_policy()), create_engine(url)
    ).open()
    try:
        await replay.load(fold, len(events))
    finally:
        await replay.close()
    projection, live_projection = Projection(url), Projection(live_url)
    try:
        assert await projection.tables() == live
        # And so the figures read: each unit's pillars, total, satisfaction and "+" (P).
        answers = await projection.unit_answers(UNITS, PERIODS)
        assert answers == await live_projection.unit_answers(UNITS, PERIODS)
    finally:
        await projection.close()
        await live_projection.close()
    # p01's revised review moved them to "tt": [4] * 8 of 4 each, the unit's whole "+".
    assert answers[("tt", "2026-01")]["plus"]["percent"] == 100.0
    assert fold.events == len(stream)
    closed_hours = {
        period: datetime.fromisoformat(at).hour for _, period, at in live["closed_periods"]
    }
    assert closed_hours == {"2026-01": 10, "2026-02": 3, "2026-03": 12}


def test_a_rebuild_reduces_to_a_fact_the_events_the_handler_folds() -> None:
    """Both take the events of ``domain.projected``: each kind the handler folds has a fact of
    its own (but the audits as the live consumer holds them, which a rebuild never reads), and any
    other event makes a fact that is only deduplicated."""
    assert set(FACTS.kinds()) == set(FOLDS.kinds()) - {HeldAudit}
    revoked = CredentialsRevoked(
        ward=ev.WARD,
        occurred_at=ev.moment("2026-01"),
        actor=ev.HEAD,
        data={"subject_id": "p01", "credential_ids": ["s1"], "until": ev.moment("2026-02")},
    )
    assert fact_of(7, revoked) == (OTHER, 7, str(revoked.event_id))


@pytest.mark.nats
@pytest.mark.postgres
async def test_a_rebuild_read_by_two_processes_equals_live(
    nats_client, nats_server, new_pg_database, monkeypatch
) -> None:
    js = nats_client.jetstream()
    stream, copies = history()
    # Some copies come back in the second half of the stream, read by the second process.
    await publish(js, stream[: len(stream) // 2])
    await publish(js, copies[:2], again=True)
    await publish(js, stream[len(stream) // 2 :])
    await publish(js, copies[2:], again=True)
    # Published while the rebuild writes its rows: the catch-up applies them through the
    # handler, and skips the copy of an event the fold already took.
    later = [
        ev.submitted(uuid.uuid4(), "vp", "2026-02", [1] * 25),
        ev.feedback("kt", "2026-01", 1, day=1),
        ev.closed("2026-03"),
    ]
    load = rebuilding.SchemaReplay.load

    async def load_then_publish(replay: Any, fold: Any, position: int) -> None:
        await load(replay, fold, position)
        await publish(js, later)
        await publish(js, copies[:1], again=True)

    monkeypatch.setattr(rebuilding.SchemaReplay, "load", load_then_publish)

    everything = [*stream[: len(stream) // 2], *copies[:2], *stream[len(stream) // 2 :]]
    everything += [*copies[2:], *later, *copies[:1]]
    live_url = new_pg_database()
    live = await live_rows(live_url, everything, batch=7)
    assert live["closed_periods"] and live["task_results"] and live["unit_day_very_dissatisfied"]
    assert any(row[4:] == (0, 0, 0, 0) for row in live["person_month_plus"]), "a returned review"
    ((_, version, people, units, ward_name, city, names),) = live["org_rosters"]
    assert version == 3 and len(people) == 3
    assert units == ("kt", "vp")  # the chart's units, kept beside them
    assert (ward_name, city) == (None, None)  # charts published without them
    kept = dict(names)  # the names for exports (a JSON object, compared as sorted pairs)
    assert len(kept["people"]) == 3 and [unit for unit, _ in kept["units"]] == ["kt", "vp"]

    url = new_pg_database()
    await (await Projection(url).create()).close()
    projection = Projection(url)
    try:
        report = await rebuild(
            js,
            projection.sessions,
            Scoring(default_policy()),
            CONSUMER,
            nats=NatsAccess((nats_server.url,)),
            workers=2,
        )
        rebuilt = await projection.tables()
    finally:
        await projection.close()

    assert rebuilt == live
    live_projection, rebuilt_projection = Projection(live_url), Projection(url)
    try:
        answers = await rebuilt_projection.unit_answers(UNITS, PERIODS)
        assert answers == await live_projection.unit_answers(UNITS, PERIODS)
    finally:
        await live_projection.close()
        await rebuilt_projection.close()
    assert answers[("kt", "2026-01")]["plus"]["percent"] is not None
    distinct = len({e.event_id for e in everything})
    assert report.events == distinct
    assert report.last_sequence == (await js.stream_info(ASSESSMENT.name)).state.last_seq
    assert report.rows["audit_records"] == len(live["audit_records"])


@pytest.mark.nats
@pytest.mark.postgres
async def test_a_rebuild_over_a_spoiled_projection_puts_back_every_row(nats_client, pg_url) -> None:
    """The swap keeps the live rows that are right and replaces the rest: changed, missing and
    extra rows alike. The readers connect as the caller's connection does."""
    js = nats_client.jetstream()
    stream, _ = history()
    await publish(js, stream)
    live = await live_rows(pg_url, stream, batch=50)
    projection = Projection(pg_url)
    try:
        async with projection.sessions() as session, session.begin():
            a, p, f = audit_records, person_month_plus, unit_month_feedback
            some = (await session.execute(select(a.c.audit_id).limit(3))).scalars().all()
            await session.execute(update(a).where(a.c.audit_id == some[0]).values(sums={}))
            await session.execute(update(a).where(a.c.audit_id == some[1]).values(event_id=None))
            await session.execute(delete(a).where(a.c.audit_id == some[2]))
            await session.execute(update(p).values(unit_id="nowhere"))
            await session.execute(update(f).where(f.c.level == 1).values(ratings=f.c.ratings + 1))
            await session.execute(
                insert(f).values(ward=ev.WARD, unit_id="ghost", month="2026-01", level=3, ratings=9)
            )
            await session.execute(update(org_rosters).values(people=[]))
            # The chairman's decisions are scoring's own records, not facts: a rebuild keeps them.
            await session.execute(
                insert(classification_decisions).values(
                    ward=ev.WARD,
                    period="2026-01",
                    duty_group="chuyen_mon",
                    excellent=["p00"],
                    decided_by="p001",
                    decided_at=datetime(2026, 2, 1, tzinfo=UTC),
                    event_id=str(uuid.uuid4()),
                )
            )
        assert await projection.tables() != live
        report = await rebuild(
            js, projection.sessions, Scoring(default_policy()), CONSUMER, workers=3
        )
        assert report.events == len(stream)
        assert await projection.tables() == live
        async with projection.sessions() as session:
            kept = await session.scalars(select(classification_decisions.c.excellent))
            assert list(kept) == [["p00"]]
    finally:
        await projection.close()


@pytest.mark.nats
@pytest.mark.postgres
async def test_a_rebuild_while_the_service_lags_holds_what_it_applied_and_no_more(
    nats_client, nats_server, new_pg_database
) -> None:
    """Stopped behind the stream's end, the service applies the rest after the rebuild, on
    top of it: the rebuild must hold exactly what the service applied, or ratings would count
    twice. (The inbox path, whose rebuild stops at what its durable acknowledged; by ward a
    rebuild replays everything and raises the marks: test_partitions.py.)"""
    js = nats_client.jetstream()
    stream, _ = history()
    done, rest = stream[:70], stream[70:]
    assert any(e.type == "assessment.feedback.received" for e in rest)
    url = new_pg_database()
    settings = ScoringSettings(
        delivery="inbox",
        service="scoring",
        environment="test",
        http_port=0,
        nats_url=nats_server.url,
        database_url=url,
        consumer_batch=8,
        relay_poll_s=0.1,
        **session_keys().settings(),
    )

    async def run_until(applied: int) -> None:
        runtime, _ = bootstrap.build_runtime(settings)
        await runtime.start()
        try:

            async def caught_up() -> bool:
                async with runtime.sessions() as session:
                    count = select(func.count()).select_from(plumbing.inbox)
                    return await session.scalar(count) == applied

            await eventually(caught_up, within=60)
        finally:
            await runtime.stop()

    await publish(js, done)
    await run_until(len(done))
    projection = Projection(url)
    try:
        before = await projection.tables()
        await publish(js, rest)
        async with projection.sessions() as session, session.begin():
            await session.execute(delete(unit_month_feedback))
        report = await rebuild(
            js, projection.sessions, Scoring(default_policy()), CONSUMER, workers=2
        )
        assert report.events == len(done)
        assert await projection.tables() == before
        await run_until(len(stream))
        assert await projection.tables() == await live_rows(new_pg_database(), stream, batch=8)
    finally:
        await projection.close()


def test_the_peak_memory_is_told_in_mib() -> None:
    held = b"x" * (300 * 2**20)  # written, so resident
    peak = rebuilding._peak_memory_mb(resource.RUSAGE_SELF)
    assert 300 <= peak < 100_000, peak
    del held


def test_ranges_cover_the_stream_without_overlap() -> None:
    assert split(1, 10, 3) == [(1, 3), (4, 6), (7, 10)]
    assert split(5, 6, 4) == [(5, 5), (6, 6)]
    assert split(1, 1, 2) == [(1, 1)]
