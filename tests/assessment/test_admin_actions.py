"""Administrators are powerful and visible (issue 14, item 5): every action of theirs is recorded
with its actor and reason, as a row the chairman reads and as ``assessment.admin.action_recorded``
in the same transaction; a month they reopen closes again by itself at the deadline they set
(default: 2 working days on the ward's calendar). In-memory SQLite, a frozen clock, through the
one command pipeline."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from contracts import intake
from contracts.catalog import default_catalog
from contracts.common import LOCAL_TZ, Text
from contracts.envelope import SYSTEM
from contracts.events import AdminActionRecorded, PeriodClosed, PeriodReopened
from contracts.roles import Role
from services.assessment.adapters.tables import plumbing
from services.assessment.demo.loader import read_org_chart
from services.assessment.domain.org import DeviceRow
from services.assessment.domain.policy import Policy
from services.assessment.handlers.commands import (
    CatalogPublication,
    DeviceRegistration,
    OrgChartUpload,
)
from services.assessment.handlers.periods import close_due_periods
from services.assessment.views import admin_actions
from services.runtime.auth import Principal
from services.runtime.clock import FrozenClock
from services.runtime.db import SessionFactory
from services.runtime.refusals import Kind, Refusal
from services.runtime.uow import UnitOfWork
from tests.assessment.test_commands import NOW, Ward, audit
from tests.conftest import WARD

ADMIN = Principal("p006", WARD, Role.ADMIN, "vp")
AUDITOR_KT = Principal("p011", WARD, Role.AUDITOR, "kt")
FEBRUARY = "2026-02"


def at(day: int, month: int = 3, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def ward(demo_sessions: SessionFactory) -> Ward:
    return Ward(demo_sessions, FrozenClock(NOW))


async def recorded(ward: Ward) -> list[tuple[str, str, str | None, str]]:
    """(action, subject, reason, actor id) of every action recorded, oldest first."""
    async with ward.sessions() as session:
        rows = await admin_actions(session, WARD, None, 1000)
    return [(r["action"], r["subject"], r["reason"], r["actor"]["id"]) for r in rows]


async def test_every_administrator_s_action_is_recorded_with_its_actor_and_reason(
    ward: Ward,
) -> None:
    rows, _ = read_org_chart()
    newer = default_catalog().model_copy(update={"version": "2027.1"})
    kiosk = DeviceRow("kiosk-03", Role.KIOSK, "ttphcc", Text(vi="Ki-ốt 3", en="Kiosk 3"))
    commands = [
        OrgChartUpload(rows=tuple(rows), reason="Nhân sự tháng 3"),
        DeviceRegistration(device=kiosk, reason="Quầy 3", credential=True),
        CatalogPublication(catalog=newer, current=False, reason="Bộ tiêu chí 2027"),
        intake.PeriodCloseCommand(period=FEBRUARY),
        intake.PeriodReopenCommand(period=FEBRUARY, reason="Bổ sung phiếu"),
        intake.CalendarDayCommand(day=date(2026, 4, 4), working=True, reason="Làm bù"),
        intake.CalendarRemoveCommand(day=date(2026, 4, 4)),
    ]
    before = len(await ward.staged())
    for command in commands:
        await ward.run(ADMIN, command)
    # A stored catalogue published again changes nothing and records nothing.
    await ward.run(ADMIN, CatalogPublication(catalog=newer, reason="Lần nữa"))

    assert await recorded(ward) == [
        ("org_chart.loaded", "2", "Nhân sự tháng 3", "p006"),
        ("device.registered", "kiosk-03", "Quầy 3", "p006"),
        ("credential.issued", "kiosk-03", "Quầy 3", "p006"),
        ("catalog.published", "2027.1", "Bộ tiêu chí 2027", "p006"),
        ("period.closed", FEBRUARY, None, "p006"),
        ("period.reopened", FEBRUARY, "Bổ sung phiếu", "p006"),
        ("calendar.day_declared", "2026-04-04", "Làm bù", "p006"),
        ("calendar.day_removed", "2026-04-04", None, "p006"),
    ]
    events = [e for e in (await ward.staged())[before:] if isinstance(e, AdminActionRecorded)]
    assert [e.data.action for e in events] == [a for a, *_ in await recorded(ward)]
    assert {(e.actor.kind, e.actor.id) for e in events} == {("person", "p006")}
    reopened = events[5]
    assert reopened.data.details == {"closes_on": "2026-03-12"}


async def test_the_record_is_read_from_a_moment_on(ward: Ward) -> None:
    await ward.run(ADMIN, intake.PeriodCloseCommand(period=FEBRUARY))
    ward.clock.set(at(11))
    await ward.run(ADMIN, intake.PeriodReopenCommand(period=FEBRUARY, reason="Bổ sung"))
    async with ward.sessions() as session:
        later = await admin_actions(session, WARD, at(11), 1000)
        other_ward = await admin_actions(session, "another-ward", None, 1000)
    assert [a["action"] for a in later] == ["period.reopened"]
    assert other_ward == []


async def test_a_reopened_month_closes_again_two_working_days_later(ward: Ward) -> None:
    """Reopened on Friday 13 March 2026: open through Tuesday 17 March (Monday and Tuesday are
    its two working days), closed for submissions on Wednesday 18 March, and closed by the
    automatic close that day."""
    async with UnitOfWork(ward.sessions, plumbing.outbox, FrozenClock(NOW)) as uow:
        assert (WARD, FEBRUARY) in await close_due_periods(uow, Policy())
    ward.clock.set(at(13))
    reopen = intake.PeriodReopenCommand(period=FEBRUARY, reason="Bổ sung phiếu tháng 2")
    _, answer = await ward.run(ADMIN, reopen)
    assert answer == {"period": FEBRUARY, "status": "reopened", "closes_on": "2026-03-17"}
    (event,) = [e for e in await ward.staged() if isinstance(e, PeriodReopened)]
    assert event.data.closes_on == date(2026, 3, 17)

    late_february = at(27, month=2)
    ward.clock.set(at(17, hour=23))
    assert (await ward.run(AUDITOR_KT, audit(performed=late_february)))[0] == 201
    ward.clock.set(at(18, hour=8))
    with pytest.raises(Refusal) as refused:
        await ward.run(AUDITOR_KT, audit(performed=late_february))
    assert (refused.value.kind, refused.value.code) == (Kind.CONFLICT, "period_closed")

    async with UnitOfWork(ward.sessions, plumbing.outbox, FrozenClock(at(18, hour=8))) as uow:
        closed = await close_due_periods(uow, Policy())
    assert closed == [(WARD, FEBRUARY)]
    closing = [e for e in await ward.staged() if isinstance(e, PeriodClosed)][-1]
    assert (closing.data.period, closing.actor) == (FEBRUARY, SYSTEM)
    # Once: the next round finds it closed.
    async with UnitOfWork(ward.sessions, plumbing.outbox, FrozenClock(at(19))) as uow:
        assert await close_due_periods(uow, Policy()) == []


async def test_the_administrator_sets_the_deadline_of_a_reopened_month(ward: Ward) -> None:
    past = intake.PeriodReopenCommand(period=FEBRUARY, reason="x", closes_on=date(2026, 3, 10))
    with pytest.raises(Refusal) as refused:
        await ward.run(ADMIN, past)
    assert (refused.value.kind, refused.value.code, refused.value.field) == (
        Kind.INVALID,
        "due_not_future",
        "closes_on",
    )
    week = intake.PeriodReopenCommand(
        period=FEBRUARY, reason="Cả tuần", closes_on=date(2026, 3, 20)
    )
    assert (await ward.run(ADMIN, week))[1]["closes_on"] == "2026-03-20"
    ward.clock.set(at(20, hour=17))
    assert (await ward.run(AUDITOR_KT, audit(performed=at(27, month=2))))[0] == 201
    # Past its deadline (closed by its date, the job not run yet) it may be reopened again.
    ward.clock.set(at(23))
    with pytest.raises(Refusal):
        await ward.run(AUDITOR_KT, audit(performed=at(26, month=2)))
    again = intake.PeriodReopenCommand(period=FEBRUARY, reason="Lần hai")
    assert (await ward.run(ADMIN, again))[1]["closes_on"] == "2026-03-25"
