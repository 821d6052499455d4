"""The full demo ward goes through the handlers (so every submission is an event in the outbox),
has what every screen needs, and loading it again adds no submissions. Real PostgreSQL."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from contracts.common import LOCAL_TZ
from contracts.events import parse_event
from contracts.periods import Month
from contracts.roles import Role
from services.assessment.adapters.tables import (
    audits,
    citizen_follow_ups,
    feedback,
    initiatives,
    periods,
    plumbing,
    self_assessments,
    task_results,
)
from services.assessment.demo import loader
from services.assessment.settings import shipped_policy
from services.runtime.clock import wall
from services.runtime.db import SessionFactory, create_engine, session_factory
from tests.assessment.conftest import service_settings

pytestmark = [pytest.mark.postgres]


#: The instant the demo once had no self-assessment waiting for review: 1 December 2026, 00:30
#: in Vietnam (this month's were all sent from the 10th on, last month's from the 1st working
#: day's 08:00).
#: It then had no audit of the month either (nothing for scoring's unit gauges) and no review
#: overdue; the first minute of a month after Tết (1 March 2027, 00:01) is checked too.
FIRST_MINUTES = datetime(2026, 12, 1, 0, 30, tzinfo=LOCAL_TZ)
AFTER_TET = datetime(2027, 3, 1, 0, 1, tzinfo=LOCAL_TZ)


async def test_full_demo_is_complete_and_loads_once(pg_url: str, tmp_path: Path) -> None:
    config = service_settings("nats://127.0.0.1:1", pg_url)
    now = wall()  # the loader's and the checks' one now
    await loader.load(config, "full", str(tmp_path / "tokens.json"), now)
    engine = create_engine(pg_url)
    sessions = session_factory(engine)
    try:
        payloads = await check_demo(sessions, now)
        await loader.load(config, "full", str(tmp_path / "tokens.json"), now)
        async with sessions() as session:
            again = (
                await session.scalars(
                    select(plumbing.outbox.c.payload).order_by(plumbing.outbox.c.id)
                )
            ).all()
        added = [parse_event(payload).type for payload in again[len(payloads) :]]
        # The chart again, and each device's credential of the first load revoked (the new
        # tokens file holds their new ones).
        devices = loader.read_org_chart()[1]
        assert added == ["assessment.org.published"] + ["assessment.credential.revoked"] * len(
            devices
        )
    finally:
        await engine.dispose()


@pytest.mark.parametrize("now", [FIRST_MINUTES, AFTER_TET], ids=["2026-12-01", "2027-03-01"])
async def test_demo_loaded_in_a_months_first_minutes_is_complete(
    pg_url: str, tmp_path: Path, now: datetime
) -> None:
    await loader.load(
        service_settings("nats://127.0.0.1:1", pg_url), "full", str(tmp_path / "tokens.json"), now
    )
    engine = create_engine(pg_url)
    try:
        await check_demo(session_factory(engine), now)
    finally:
        await engine.dispose()


async def check_demo(sessions: SessionFactory, now: datetime) -> list[dict]:
    """What every screen needs is in the demo loaded at ``now``; returns its outbox's payloads."""
    async with sessions() as session:
        payloads = (
            await session.scalars(select(plumbing.outbox.c.payload).order_by(plumbing.outbox.c.id))
        ).all()
        events = [parse_event(payload) for payload in payloads]
        types = {event.type for event in events}
        statuses = dict(
            (
                await session.execute(
                    select(self_assessments.c.status, func.count()).group_by(
                        self_assessments.c.status
                    )
                )
            ).all()
        )
        closed = (await session.scalars(select(periods.c.period))).all()
        worst_day = (
            await session.execute(
                select(func.count())
                .select_from(feedback)
                .where(feedback.c.level == 1, feedback.c.unit_id == "dvcu")
            )
        ).scalar_one()
    assert types >= {
        "assessment.org.published",
        "assessment.audit.submitted",
        "assessment.corrective_action.opened",
        "assessment.corrective_action.closed",
        "assessment.self_assessment.submitted",
        "assessment.self_assessment.reviewed",
        "assessment.feedback.received",
        "assessment.task_result.recorded",
        "assessment.period.closed",
    }
    reviews = [e for e in events if e.type == "assessment.self_assessment.reviewed"]
    outcomes = {e.data.outcome for e in reviews}  # type: ignore[attr-defined]
    assert outcomes == {"approved", "adjusted", "returned"}
    approved = sum(e.data.outcome == "approved" for e in reviews)  # type: ignore[attr-defined]
    assert approved > len(reviews) / 2
    assert statuses.get("submitted", 0) > 0  # this month's, waiting to be reviewed
    policy = shipped_policy()
    months = loader.demo_months(now, policy)
    assert len(months) >= loader.HISTORY_MONTHS + 1
    assert set(closed) == {m.key for m in months if policy.closed_by_date(m, now)}
    # A whole closed quarter can be classified: every person who self-assesses has a
    # reviewed "+" and task points in each of its months.
    quarter = [m.key for m in loader.last_closed_quarter(now, policy)]
    assert set(quarter) <= set(closed) and quarter[0] in {m.key for m in months}
    assessed = {
        r.person_id
        for r in loader.read_org_chart()[0]
        if r.role in (Role.STAFF, Role.AUDITOR, Role.UNIT_HEAD, Role.ADMIN)
    }
    async with sessions() as session:
        for period in quarter:
            reviewed = select(self_assessments.c.person_id).where(
                self_assessments.c.period == period,
                self_assessments.c.status.in_(["approved", "adjusted"]),
            )
            assert set((await session.scalars(reviewed)).all()) == assessed, period
            pointed = select(task_results.c.person_id).where(task_results.c.period == period)
            assert set((await session.scalars(pointed)).all()) == assessed, period
    assert worst_day >= 4
    # This month's unit figures and an overdue review, whatever the moment of loading: audits
    # of this month performed by now, and a self-assessment still waiting past its deadline.
    async with sessions() as session:
        this_month = (
            await session.scalars(
                select(audits.c.performed_at).where(audits.c.period == Month.of(now).key)
            )
        ).all()
        waiting = (
            await session.scalars(
                select(self_assessments.c.submitted_at).where(
                    self_assessments.c.status == "submitted"
                )
            )
        ).all()
    begun = datetime.combine(Month.of(now).first_day(), time(0), LOCAL_TZ)
    assert this_month and all(begun <= moment <= now for moment in this_month)
    today = now.astimezone(LOCAL_TZ).date()
    overdue = [
        moment
        for moment in waiting
        if policy.review_deadline(moment.astimezone(LOCAL_TZ).date()) < today
    ]
    assert overdue, waiting
    # The board's initiative and call-back columns have something to count: initiatives in
    # each state the council gives (adopted with its effect, rejected with its reason), and
    # dissatisfied citizens who left a contact, some called back with the outcome noted.
    async with sessions() as session:
        ideas = (await session.execute(select(initiatives))).all()
        calls = (
            await session.execute(
                select(citizen_follow_ups, feedback.c.comment).join(
                    feedback, feedback.c.feedback_id == citizen_follow_ups.c.feedback_id
                )
            )
        ).all()
    assert {i.status for i in ideas} >= {"proposed", "accepted", "adopted", "rejected"}
    assert all(i.measured_effect for i in ideas if i.status == "adopted")
    assert all(i.reason for i in ideas if i.status == "rejected")
    assert {c.status for c in calls} == {"open", "done"}
    assert all(c.note for c in calls if c.status == "done")
    assert all(c.contact and c.comment and c.level <= 2 for c in calls if c.status == "open")
    return list(payloads)
