"""Scoring's service layer on an in-memory SQLite database with a frozen clock: no NATS, no
PostgreSQL. A batch is applied in a unit of work as the consumer applies it, and people's
commands go through the command pipeline; each test reads what was staged in the outbox.

The API and real-server tests show the same rules end to end; these show the unit of work's
part (its time, its commit, its rollback) and the pipeline's refusals, in milliseconds."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from contracts.envelope import Event
from contracts.events import OrgPerson, parse_event
from contracts.roles import Role
from contracts.scoring_commands import DecisionCommand
from services.runtime.auth import Principal
from services.runtime.clock import FrozenClock
from services.runtime.db import SessionFactory
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork, in_memory
from services.scoring.adapters.policy_file import default_policy
from services.scoring.adapters.tables import metadata, plumbing, unit_month_pillars
from services.scoring.handlers import Scoring
from services.scoring.handlers.commands import ScoringCommands
from tests.scoring import events as ev

POLICY = default_policy()
#: The moment of the work: after March 2026, so that its month is neither current nor future.
APRIL = datetime(2026, 4, 2, 8, 30, tzinfo=UTC)


@pytest.fixture
async def sessions() -> AsyncIterator[SessionFactory]:
    async with in_memory(metadata) as made:
        yield made


async def staged(sessions: SessionFactory) -> list[Event]:
    async with sessions() as session:
        payloads = await session.scalars(
            select(plumbing.outbox.c.payload).order_by(plumbing.outbox.c.id)
        )
        return [parse_event(p) for p in payloads]


def march_in_kt() -> list[Event]:
    """One audit of kt in March, three "Rất không hài lòng" on one day, and March's close."""
    return [
        # The chairman is in the chart: their decisions follow their seat in it.
        ev.org_chart([ev.person("p1", "kt"), ev.person("p001", "vp", Role.CHAIRMAN)]),
        ev.submitted(uuid.uuid4(), "kt", "2026-03", [4] * 25),
        *(ev.feedback("kt", "2026-03", 1, day=5) for _ in range(3)),
        ev.closed("2026-03"),
    ]


async def test_a_batch_is_announced_at_the_unit_of_works_time_and_staged_at_its_commit(
    sessions: SessionFactory,
) -> None:
    async with UnitOfWork(sessions, plumbing.outbox, FrozenClock(APRIL)) as uow:
        await Scoring(POLICY).apply(uow, march_in_kt())
        assert uow.events, "announced in the unit of work"
        assert await staged(sessions) == [], "nothing in the outbox before the commit"
    out = await staged(sessions)
    assert [e.event_id for e in out] == [e.event_id for e in uow.events]
    assert {e.occurred_at for e in out} == {APRIL}
    kinds = [e.type for e in out]
    assert "scoring.score.finalized" in kinds and "scoring.score.updated" not in kinds
    low = [e.data for e in out if e.type == "scoring.low_score.detected"]
    assert sorted((d.metric, d.value) for d in low) == [  # type: ignore[attr-defined]
        ("dissatisfaction_spike", 3),  # three "Rất không hài lòng" on 05/03
        ("satisfaction", 0),  # none of March's ratings satisfied
    ]
    computed = [e for e in out if e.type == "scoring.classification.computed"]
    assert [e.data.period for e in computed] == ["2026-03"]  # type: ignore[attr-defined]


async def test_a_batch_whose_unit_of_work_fails_leaves_neither_rows_nor_events(
    sessions: SessionFactory,
) -> None:
    with pytest.raises(RuntimeError, match="after the fold"):
        async with UnitOfWork(sessions, plumbing.outbox, FrozenClock(APRIL)) as uow:
            await Scoring(POLICY).apply(uow, march_in_kt())
            raise RuntimeError("after the fold")
    async with sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(unit_month_pillars))
    assert rows == 0
    assert await staged(sessions) == []


async def not_called() -> Any:
    raise AssertionError("the rebuild is not what this test runs")


@pytest.mark.parametrize(
    ("role", "body", "kind", "code", "field"),
    [
        (Role.VICE_CHAIRMAN, {"excellent": ["p1"]}, Kind.FORBIDDEN, "forbidden", None),
        (Role.CHAIRMAN, {"excellent": ["p1"]}, Kind.INVALID, "decision_group", "duty_group"),
        (
            Role.CHAIRMAN,
            {"excellent": ["p1"], "duty_group": "specialists"},
            Kind.CONFLICT,
            "decision_no_tie",
            "duty_group",
        ),
        (
            Role.CHAIRMAN,
            {"excellent": ["p1"], "period": "2026-05"},
            Kind.INVALID,
            "bad_period",
            "period",
        ),
    ],
)
async def test_a_decision_the_pipeline_or_the_classification_refuses_records_nothing(
    sessions: SessionFactory,
    role: Role,
    body: dict[str, Any],
    kind: Kind,
    code: str,
    field: str | None,
) -> None:
    async with UnitOfWork(sessions, plumbing.outbox, FrozenClock(APRIL)) as uow:
        await Scoring(POLICY).apply(uow, march_in_kt())
    before = await staged(sessions)
    commands = ScoringCommands(sessions, POLICY, FrozenClock(APRIL), not_called)
    caller = Principal("p001", ev.WARD, role)
    with pytest.raises(Refusal) as refused:
        await commands.execute(
            caller, DecisionCommand.model_validate({"period": "2026-03", **body})
        )
    assert (refused.value.kind, refused.value.code, refused.value.field) == (kind, code, field)
    assert await staged(sessions) == before


@pytest.mark.parametrize(
    ("chairman", "code"),
    [
        (None, "not_in_org_chart"),  # removed from the org chart
        (ev.person("p001", "vp", Role.VICE_CHAIRMAN), "forbidden"),  # no longer the chairman
    ],
)
async def test_a_chairman_no_longer_in_the_seat_decides_nothing(
    sessions: SessionFactory, chairman: OrgPerson | None, code: str
) -> None:
    """The roster scoring keeps from ``assessment.org.published`` decides, not the token: the
    chairman's token still says chairman after the org chart changed."""
    async with UnitOfWork(sessions, plumbing.outbox, FrozenClock(APRIL)) as uow:
        await Scoring(POLICY).apply(uow, march_in_kt())
        people = [ev.person("p1", "kt"), *([chairman] if chairman else [])]
        await Scoring(POLICY).apply(uow, [ev.org_chart(people, version=2)])
    before = await staged(sessions)
    commands = ScoringCommands(sessions, POLICY, FrozenClock(APRIL), not_called)
    decision = DecisionCommand(period="2026-03", excellent=("p1",), duty_group="chuyen_mon")
    with pytest.raises(Refusal) as refused:
        await commands.execute(Principal("p001", ev.WARD, Role.CHAIRMAN), decision)
    assert (refused.value.kind, refused.value.code) == (Kind.FORBIDDEN, code)
    assert await staged(sessions) == before
