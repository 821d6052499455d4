"""A scoring projection on its own database, fed the way the consumer feeds it: the inbox claims
each batch and the handler applies the new events, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from contracts.envelope import Event
from contracts.events import parse_event
from contracts.periods import Month
from services.runtime.db import create_engine, session_factory
from services.runtime.inbox import claim
from services.runtime.uow import UnitOfWork
from services.scoring.adapters.policy_file import default_policy
from services.scoring.adapters.tables import metadata, plumbing
from services.scoring.handlers import Scoring
from services.scoring.rebuild import REBUILT
from services.scoring.views.units import Question, unit_score, window
from tests.scoring.events import WARD
from tests.support.databases import from_template

CONSUMER = "scoring-assessment"


class Projection:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.sessions = session_factory(self.engine)
        self.scoring = Scoring(default_policy())

    async def create(self) -> Projection:
        async with self.engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)
            await connection.run_sync(metadata.create_all)
        return self

    async def feed(self, events: Sequence[Event]) -> None:
        async with UnitOfWork(self.sessions, plumbing.outbox) as uow:
            fresh = await claim(uow.session, plumbing.inbox, CONSUMER, events)
            if fresh:
                await self.scoring.apply(uow, fresh)

    async def announced(self) -> list[Event]:
        async with self.sessions() as session:
            payloads = await session.scalars(
                select(plumbing.outbox.c.payload).order_by(plumbing.outbox.c.id)
            )
            return [parse_event(p) for p in payloads]

    async def tables(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every rebuilt table's rows, sorted: two projections with the same facts match."""
        found = {}
        async with self.sessions() as session:
            for table in REBUILT:
                rows = (await session.execute(select(table))).all()
                found[table.name] = sorted(
                    (tuple(_plain(v) for v in row) for row in rows), key=repr
                )
        return found

    async def unit_answers(
        self, units: Sequence[str], periods: Sequence[str]
    ) -> dict[tuple[str, str], Any]:
        """The query API's answer (with ``explain``) for each unit and period: what a reader
        sees, "+" (P) included, so two projections are compared on their figures too. Without
        ``late``: late marks are history a rebuild keeps from the projection it replaces, not a
        fold of the stream (README, "Scale-out and rebuild")."""
        policy = self.scoring.policy
        found = {}
        async with self.sessions() as session:
            for unit in units:
                for key in periods:
                    span = window(key, Month.parse("2026-03"))  # rolling ones end in March
                    asked = Question(WARD, span, policy, explain=True)
                    answer = await unit_score(session, asked, unit)
                    if answer is not None:
                        answer.pop("late")
                    found[(unit, key)] = answer
        return found

    async def close(self) -> None:
        await self.engine.dispose()


async def fed_copy(path: Path, name: str, events: Callable[[], Sequence[Event]]) -> str:
    """The URL of a SQLite projection at ``path`` holding ``events()``: fed the first time
    ``name`` is asked for in this test session, then copied (``tests.support.databases``)."""

    async def feed(url: str) -> None:
        projection = await Projection(url).create()
        await projection.feed(events())
        await projection.close()

    return await from_template(path, name, feed)


def _plain(value: Any) -> Any:
    """JSON columns come back as dicts: compare them by content, in a stable form."""
    if isinstance(value, dict):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    if hasattr(value, "tzinfo") and hasattr(value, "isoformat") and value.tzinfo is None:
        return value.isoformat()
    return value.isoformat() if hasattr(value, "isoformat") else value
