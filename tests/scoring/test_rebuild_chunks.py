"""A rebuild writes its audits' rows and the ids it folds out in chunks as it reads, so that
the parent holds the sums, not the events: the rows stay exactly the handler's when an
amendment, a withdrawal or a copy of an event arrives after the row it changes was written, on
SQLite and on PostgreSQL through the whole rebuild, and what the fold holds stays within a
chunk however long the stream."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from contracts.envelope import Event
from services.runtime.db import create_engine
from services.scoring import rebuild as rebuilding
from services.scoring.adapters.policy_file import default_policy
from services.scoring.adapters.tables import audit_records, unit_month_pillars
from services.scoring.domain import bloom
from services.scoring.domain import fold as folding
from services.scoring.domain.facts import fact_of
from services.scoring.domain.fold import Chunk, Fold
from services.scoring.handlers import Scoring
from tests.scoring import events as ev
from tests.scoring import test_rebuild
from tests.scoring.projection import Projection
from tests.scoring.test_rebuild import history, live_rows


async def fold_in_chunks(
    url: str, events: list[Event], chunk: int, given: int = 3
) -> tuple[Fold, list[Chunk]]:
    """Fold ``events`` into a scratch projection at ``url`` as a rebuild does, ``given`` facts
    at a time, a chunk written every ``chunk`` events; the fold and the chunks written."""
    fold = Fold(chunk)
    no_stream: Any = None  # the catch-up is not reached
    replay = await rebuilding.Replay(
        no_stream, Scoring(default_policy()), create_engine(url)
    ).open()
    written: list[Chunk] = []
    write = replay._write_chunk

    async def writing(chunk: Chunk) -> None:
        written.append(chunk)
        await write(chunk)

    replay._write_chunk = writing  # type: ignore[method-assign]
    facts = [fact_of(n, event) for n, event in enumerate(events, 1)]
    try:
        for start in range(0, len(facts), given):
            await replay.fold(fold, facts[start : start + given])
        await replay.load(fold, len(events))
    finally:
        await replay.close()
    return fold, written


@pytest.mark.parametrize(("chunk", "filter_bits"), [(1, None), (4, None), (13, None), (4, 3)])
async def test_a_fold_written_in_chunks_gives_the_rows_the_handler_gives(
    tmp_path, monkeypatch, chunk, filter_bits
) -> None:
    """Amendments and withdrawals replace audit rows written chunks before; a copy of an event
    folded chunks before is skipped (the ratings would count twice). With a filter of 8 bits,
    which soon "may hold" everything, every id and audit is asked of the written rows."""
    if filter_bits:
        monkeypatch.setattr(bloom, "BITS", filter_bits)
    stream, copies = history()
    events = [*stream[:40], *copies, *stream[40:], *copies]
    live_url = f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"
    live = await live_rows(live_url, events, batch=5)
    url = f"sqlite+aiosqlite:///{tmp_path / 'folded.db'}"
    fold, written = await fold_in_chunks(url, events, chunk)

    assert fold.events == len(stream)
    assert len(written) >= len(events) // max(chunk, 3) // 2  # at most one per 3 facts given
    assert any(c.replaced for c in written)  # rows replaced after they were written
    # Every row of every table the rebuild replaces, so every figure read from them.
    projection = Projection(url)
    try:
        assert await projection.tables() == live
    finally:
        await projection.close()


def audits(count: int) -> list[Event]:
    """``count`` audits of 4 units over 3 months; every 5th amended and every 7th withdrawn
    about 300 events after it, long after a small chunk has written it."""
    firsts = [
        ev.submitted(
            uuid.uuid4(), f"u{n % 4}", f"2026-0{1 + n % 3}", [(n + i) % 5 for i in range(25)]
        )
        for n in range(count)
    ]
    stream: list[Event] = []
    for n, first in enumerate(firsts):
        stream.append(first)
        late = n - 300
        if late >= 0 and late % 5 == 0:
            old = firsts[late]
            unit, month = old.data.unit_id, old.data.period
            stream.append(ev.amended(old.data.audit_id, unit, month, 2, [4] * 25, old.data))
        if late >= 0 and late % 7 == 0:
            old = firsts[late]
            unit, month = old.data.unit_id, old.data.period
            stream.append(ev.withdrawn(old.data.audit_id, unit, month, 3, old.data))
    return stream


async def test_the_fold_holds_at_most_a_chunk_of_audits_however_long_the_stream(tmp_path) -> None:
    """3,000 audits (with amendments and withdrawals) folded in chunks of 200: after every batch
    of facts the fold holds at most a chunk's audits' rows and event ids, and the units' sums it
    keeps are one per unit, month and pillar; the rows written are those of a fold that held
    everything."""
    events = audits(3000)
    url = f"sqlite+aiosqlite:///{tmp_path / 'chunked.db'}"
    chunk = 200
    fold = Fold(chunk)
    no_stream: Any = None
    replay = await rebuilding.Replay(
        no_stream, Scoring(default_policy()), create_engine(url)
    ).open()
    facts = [fact_of(n, event) for n, event in enumerate(events, 1)]
    most = (0, 0)
    try:
        for start in range(0, len(facts), 50):
            await replay.fold(fold, facts[start : start + 50])
            most = max(most, fold.held)
            assert max(fold.held) <= chunk, fold.held
        assert fold.chunks >= len(events) // chunk
        assert len(fold._pillars) <= 4 * 3 * 5
        await replay.load(fold, len(events))
    finally:
        await replay.close()
    assert most[0] > chunk // 2  # it did hold audits between chunks

    whole = Fold()  # everything in memory, the rows written once
    whole.add(facts)
    assert whole.held[0] == 3000
    projection = Projection(url)
    try:
        async with projection.sessions() as session:
            rows = (await session.execute(select(audit_records))).all()
            sums = (await session.execute(select(unit_month_pillars))).all()
    finally:
        await projection.close()
    assert len(rows) == 3000
    assert sorted(tuple(r) for r in sums) == sorted(whole.unit_month_pillars())
    by_audit = {(r.ward, r.audit_id): (r.event_id, r.revision, r.live) for r in rows}
    assert by_audit == {
        (w, a): (e, rev, live) for e, w, a, _, _, rev, live, _ in whole.audit_records()
    }


@pytest.mark.nats
@pytest.mark.postgres
async def test_a_rebuild_in_small_chunks_on_postgres_equals_live(
    nats_client, nats_server, new_pg_database, monkeypatch
) -> None:
    """The whole rebuild of :mod:`tests.scoring.test_rebuild` (two reading processes, copies
    in either half, events published while the rows are written) with a chunk every 7 events:
    the audits' rows replaced by key in the scratch schema, the copies skipped by the ids
    written, and the catch-up skipping a copy of an event the fold wrote out."""
    monkeypatch.setattr(folding, "CHUNK", 7)
    written: list[Chunk] = []
    write = rebuilding.Replay._write_chunk

    async def writing(replay: rebuilding.Replay, chunk: Chunk) -> None:
        written.append(chunk)
        await write(replay, chunk)

    monkeypatch.setattr(rebuilding.Replay, "_write_chunk", writing)
    await test_rebuild.test_a_rebuild_read_by_two_processes_equals_live(
        nats_client, nats_server, new_pg_database, monkeypatch
    )
    stream, _ = history()
    assert len(written) >= len(stream) // 7
    assert any(chunk.replaced for chunk in written)


def test_a_bloom_filter_never_forgets_and_seldom_imagines() -> None:
    """Every item added is held ("may hold"); of as many never added, few are (the default size,
    100,000 items: 0.2 expected, a handful allowed)."""
    added = [str(uuid.uuid4()) for _ in range(100_000)]
    others = [str(uuid.uuid4()) for _ in range(100_000)]
    sieve = bloom.BloomFilter()
    sieve.add_all(added)
    sieve.add_all([("binh-dong", a) for a in added[:1000]])
    assert all(sieve.may_hold(a) for a in added)
    assert all(sieve.may_hold(("binh-dong", a)) for a in added[:1000])
    assert sum(sieve.may_hold(o) for o in others) <= 5
    tiny = bloom.BloomFilter(bits=3)
    tiny.add_all(added[:100])
    assert all(tiny.may_hold(o) for o in others[:100])  # full: it may hold anything
