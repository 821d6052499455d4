"""The runtime's command pipeline on an in-memory SQLite database: roles, the first answer
again for a retry with the same key, a reused key refused, the rate limit only where asked and
never for a replay, the handler's rows and the idempotency record committed together."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry, Counter
from pydantic import BaseModel
from sqlalchemy import Column, Integer, String, Table, func, select

from contracts.roles import Role
from services.runtime.auth import Principal
from services.runtime.clock import FrozenClock
from services.runtime.commands import Answer, CommandContext, Commands, command_registry
from services.runtime.db import PlumbingTables, new_metadata
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork, in_memory

metadata = new_metadata()
plumbing = PlumbingTables(metadata, commands=True)
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("text", String(20)),
)
MOMENT = datetime(2026, 3, 10, 2, tzinfo=UTC)
AUDITOR = Principal("p1", "binh-dong", Role.AUDITOR, "kt")
STAFF = Principal("p2", "binh-dong", Role.STAFF, "kt")


class Note(BaseModel):
    text: str


class Like(BaseModel):
    text: str


class Bad(BaseModel):
    text: str


counter = Counter("test_commands_total", "test", ["kind", "outcome"], registry=CollectorRegistry())
tokens: list[str] = []


async def take(context: CommandContext) -> None:
    tokens.append(context.principal.subject_id)
    if len(tokens) > 2:
        raise Refusal(Kind.RATE_LIMITED, "rate_limited")


COMMANDS = command_registry("test commands", counter, plumbing.idempotency, take)


@COMMANDS.register(Note, name="note", roles=frozenset({Role.AUDITOR}), status=201)
async def write(context: CommandContext, body: Note) -> Answer:
    result = await context.uow.session.execute(notes.insert().values(text=body.text))
    return {"id": result.inserted_primary_key[0], "at": context.uow.now.isoformat()}


@COMMANDS.register(Like, name="like", rate_limited=True)
async def like(context: CommandContext, body: Like) -> Answer:
    return {"liked": body.text}


@COMMANDS.register(Bad, name="bad")
async def fail(context: CommandContext, body: Bad) -> Answer:
    await context.uow.session.execute(notes.insert().values(text=body.text))
    raise Refusal(Kind.CONFLICT, "period_closed", "period")


def bound(sessions) -> Commands[CommandContext]:
    def context(principal: Principal, key: str | None) -> CommandContext:
        units = UnitOfWork.factory(sessions, plumbing.outbox, FrozenClock(MOMENT))
        return CommandContext(principal, key, sessions, units, MOMENT)

    return Commands(COMMANDS, context)


async def count(sessions, table: Table) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


def seen(kind: str, outcome: str) -> float:
    return counter.labels(kind, outcome)._value.get()


async def test_a_retry_with_the_same_key_gets_the_first_answer_and_writes_nothing() -> None:
    async with in_memory(metadata) as sessions:
        commands = bound(sessions)
        first = await commands.execute(AUDITOR, Note(text="a"), "k-1")
        again = await commands.execute(AUDITOR, Note(text="a"), "k-1")
        other = await commands.execute(AUDITOR, Note(text="a"), "k-2")
        assert first == again == (201, {"id": 1, "at": MOMENT.isoformat()})
        assert other == (201, {"id": 2, "at": MOMENT.isoformat()})
        assert await count(sessions, notes) == 2
        assert await count(sessions, plumbing.idempotency) == 2
        assert seen("note", "replayed") == 1


async def test_the_same_key_with_another_body_or_a_bad_key_is_refused() -> None:
    async with in_memory(metadata) as sessions:
        commands = bound(sessions)
        await commands.execute(AUDITOR, Note(text="a"), "k-1")
        with pytest.raises(Refusal) as reused:
            await commands.execute(AUDITOR, Note(text="b"), "k-1")
        assert (reused.value.status, reused.value.code) == (409, "idempotency_key_reused")
        with pytest.raises(Refusal) as long_key:
            await commands.execute(AUDITOR, Note(text="b"), "k" * 201)
        assert (long_key.value.status, long_key.value.field) == (422, "Idempotency-Key")
        assert await count(sessions, notes) == 1


async def test_a_role_outside_the_entry_s_roles_is_forbidden_and_counted() -> None:
    async with in_memory(metadata) as sessions:
        before = seen("note", "refused_403")
        with pytest.raises(Refusal) as refused:
            await bound(sessions).execute(STAFF, Note(text="a"))
        assert refused.value.status == 403
        assert seen("note", "refused_403") == before + 1
        assert await count(sessions, notes) == 0


async def test_a_refused_handler_keeps_neither_its_rows_nor_its_key() -> None:
    async with in_memory(metadata) as sessions:
        with pytest.raises(Refusal):
            await bound(sessions).execute(STAFF, Bad(text="x"), "k-9")
        assert await count(sessions, notes) == 0
        assert await count(sessions, plumbing.idempotency) == 0


async def test_the_rate_limit_applies_where_asked_and_never_to_a_replay() -> None:
    tokens.clear()
    async with in_memory(metadata) as sessions:
        commands = bound(sessions)
        await commands.execute(AUDITOR, Note(text="a"))
        assert tokens == []
        assert await commands.execute(STAFF, Like(text="x"), "l-1") == (200, {"liked": "x"})
        await commands.execute(STAFF, Like(text="x"), "l-1")
        assert tokens == ["p2"]
        await commands.execute(STAFF, Like(text="y"))
        with pytest.raises(Refusal) as limited:
            await commands.execute(STAFF, Like(text="z"))
        assert limited.value.status == 429


async def test_the_steps_before_the_unit_of_work_read_in_one_session() -> None:
    """The seat and a key's first answer are read in one session, closed before the unit of work
    opens its own: two sessions per command, one at a time, however many steps read."""
    opened: list[object] = []

    async def seat(context: CommandContext) -> Principal:
        await (await context.reads()).execute(select(func.count()).select_from(notes))
        return context.principal

    seated_commands = command_registry("seated test", counter, plumbing.idempotency, seat=seat)
    seated_commands.register(Note, name="seated note")(write)
    async with in_memory(metadata) as sessions:

        def counted():
            session = sessions()
            opened.append(session)
            return session

        def context(principal: Principal, key: str | None) -> CommandContext:
            units = UnitOfWork.factory(counted, plumbing.outbox, FrozenClock(MOMENT))
            return CommandContext(principal, key, counted, units, MOMENT)

        commands = Commands(seated_commands, context)
        assert (await commands.execute(AUDITOR, Note(text="a"), "s-1"))[0] == 200
        assert len(opened) == 2
        again = await commands.execute(AUDITOR, Note(text="a"), "s-1")  # answered by the reads
        assert again == (200, {"id": 1, "at": MOMENT.isoformat()})
        assert len(opened) == 3
        assert all(not session.in_transaction() for session in opened)
