"""The unit of work on an in-memory SQLite database: one transaction, its time, its events
staged in the outbox at commit, after-commit callbacks only after a commit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, String, Table, func, insert, select

from contracts.envelope import SYSTEM
from contracts.events import PeriodClosed, PeriodClosedData
from services.runtime.clock import FrozenClock
from services.runtime.db import PlumbingTables, new_metadata, transaction
from services.runtime.hooks import Bell, after_commit
from services.runtime.outbox import STAGED, stage
from services.runtime.uow import UnitOfWork, in_memory

metadata = new_metadata()
plumbing = PlumbingTables(metadata)
notes = Table("notes", metadata, Column("text", String(20), primary_key=True))

MOMENT = datetime(2026, 3, 10, 2, tzinfo=UTC)


def closed(period: str) -> PeriodClosed:
    return PeriodClosed(
        ward="binh-dong", occurred_at=MOMENT, actor=SYSTEM, data=PeriodClosedData(period=period)
    )


class Boom(Exception):
    pass


async def count(sessions, table: Table) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_commit_keeps_rows_and_events_and_then_runs_callbacks() -> None:
    ran: list[str] = []
    async with in_memory(metadata) as sessions:
        units = UnitOfWork.factory(sessions, plumbing.outbox, FrozenClock(MOMENT))
        async with units() as uow:
            assert uow.now == MOMENT
            await uow.session.execute(insert(notes).values(text="kept"))
            uow.emit(closed("2026-02"), closed("2026-03"))
            uow.after_commit(lambda: ran.append("after"))
            assert ran == []  # not before the commit
        assert ran == ["after"]
        assert await count(sessions, notes) == 1
        async with sessions() as session:
            subjects = (await session.scalars(select(plumbing.outbox.c.subject))).all()
        assert subjects == [e.subject for e in uow.events]
        assert len(subjects) == 2


async def test_error_rolls_back_rows_events_and_callbacks() -> None:
    ran: list[str] = []
    async with in_memory(metadata) as sessions:
        with pytest.raises(Boom):
            async with UnitOfWork(sessions, plumbing.outbox) as uow:
                await uow.session.execute(insert(notes).values(text="lost"))
                uow.emit(closed("2026-02"))
                uow.after_commit(lambda: ran.append("after"))
                raise Boom
        assert ran == []
        assert await count(sessions, notes) == 0
        assert await count(sessions, plumbing.outbox) == 0
        # The next commit on a fresh unit does not run the dropped callback either.
        async with UnitOfWork(sessions, plumbing.outbox) as uow:
            await uow.session.execute(insert(notes).values(text="next"))
        assert ran == []


async def test_a_unit_without_an_outbox_refuses_events() -> None:
    async with in_memory(metadata) as sessions, UnitOfWork(sessions) as uow:
        with pytest.raises(RuntimeError, match="no outbox"):
            uow.emit(closed("2026-02"))


def test_a_unit_is_used_inside_its_block() -> None:
    uow = UnitOfWork(lambda: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(RuntimeError, match="inside"):
        _ = uow.session
    with pytest.raises(RuntimeError, match="inside"):
        _ = uow.now


async def test_the_same_callback_runs_once_per_commit() -> None:
    calls: list[int] = []

    def callback() -> None:
        calls.append(1)

    async with in_memory(metadata) as sessions:
        async with transaction(sessions) as session:
            after_commit(session, callback)
            after_commit(session, callback)
        assert calls == [1]


async def test_staging_events_rings_the_relays_after_commit_only() -> None:
    relay_signal = STAGED.listener()
    async with in_memory(metadata) as sessions:
        with pytest.raises(Boom):
            async with transaction(sessions) as session:
                await stage(session, plumbing.outbox, [closed("2026-02")])
                raise Boom
        assert not relay_signal.is_set()
        async with transaction(sessions) as session:
            await stage(session, plumbing.outbox, [closed("2026-02")])
            assert not relay_signal.is_set()
        assert relay_signal.is_set()


def test_a_bell_wakes_every_live_listener() -> None:
    bell = Bell()
    first, second = bell.listener(), bell.listener()
    bell.ring()
    assert first.is_set() and second.is_set()
