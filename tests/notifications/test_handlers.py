"""Notifications' alert rules at the service layer, on an in-memory SQLite database with a frozen
clock: no NATS, no SMTP. Events are applied the way the consumers apply them (``intake.apply``
in one transaction), the scheduler's escalation step runs in a unit of work, and each test reads
the alert events staged in the outbox and the deliveries queued.

The real-server tests (``test_low_scores``, ``test_repeats``) show the same rules end to end,
down to the e-mails; these show them in milliseconds, for the fast tier."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

import pytest
from sqlalchemy import func, select

from contracts.common import Text
from contracts.envelope import SYSTEM, Event
from contracts.events import (
    AlertData,
    PeriodReportIssued,
    PeriodReportIssuedData,
    ReportFile,
    parse_event,
)
from services.notifications.adapters.tables import deliveries, metadata, plumbing, report_mails
from services.notifications.bootstrap import policy_of
from services.notifications.handlers import intake
from services.notifications.handlers.context import Context
from services.notifications.handlers.escalation import escalate_due
from services.notifications.settings import NotificationsSettings
from services.notifications.views import inbox
from services.runtime.clock import FrozenClock
from services.runtime.consumer import RetryLater
from services.runtime.db import SessionFactory, transaction
from services.runtime.uow import UnitOfWork, in_memory
from tests.conftest import WARD
from tests.notifications.harness import finalized, local, low_score, org_chart

#: The service's default numbers: two working days before an alert goes up, quiet hours 7-17:30.
POLICY = policy_of(
    NotificationsSettings.model_validate({"service": "notifications", "http_port": 0})
)

TUESDAY = local(2026, 3, 10, 9)


@pytest.fixture
async def sessions() -> AsyncIterator[SessionFactory]:
    async with in_memory(metadata) as made:
        yield made


async def feed(sessions: SessionFactory, at: datetime, *events: Event) -> None:
    """Apply ``events`` as a consumer's batch would be, in one transaction, at ``at``."""
    async with transaction(sessions) as session:
        await intake.apply(POLICY, plumbing.outbox, FrozenClock(at), session, events)


async def run_step(
    sessions: SessionFactory, at: datetime, step: Callable[[Context], Awaitable[int]]
) -> int:
    """One of the scheduler's steps in a unit of work of its own, at ``at``."""
    async with UnitOfWork(sessions, plumbing.outbox, FrozenClock(at)) as uow:
        return await step(Context(POLICY, uow))


async def staged(sessions: SessionFactory) -> list[Event]:
    async with sessions() as session:
        payloads = await session.scalars(
            select(plumbing.outbox.c.payload).order_by(plumbing.outbox.c.id)
        )
        return [parse_event(p) for p in payloads]


async def told(sessions: SessionFactory) -> list[tuple[str, str, int]]:
    """(event kind, recipient, escalation level) of every alert event staged, in order."""
    found = []
    for event in await staged(sessions):
        data = getattr(event, "data", None)
        if isinstance(data, AlertData):
            found.append((event.type.rsplit(".", 1)[1], data.recipient_id, data.escalation_level))
    return found


async def queued(sessions: SessionFactory) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(deliveries)) or 0)


async def test_a_low_total_alerts_the_head_and_the_deputy_once_until_it_recovers(
    sessions: SessionFactory,
) -> None:
    detected = low_score(metric="total", value=42.5)
    await feed(sessions, TUESDAY, org_chart(), detected)
    # The vice-chairman in charge of kt is told at once, at the route's level 1.
    assert await told(sessions) == [("raised", "p010", 0), ("raised", "p002", 1)]
    assert await queued(sessions) == 2  # one e-mail each

    # The same event again, and the same cause in a new event: nothing more.
    await feed(sessions, TUESDAY, detected, low_score(metric="total", value=41.0))
    assert len(await told(sessions)) == 2 and await queued(sessions) == 2

    await feed(sessions, TUESDAY, low_score(metric="total", recovered=True))
    assert (await told(sessions))[2:] == [("resolved", "p010", 0), ("resolved", "p002", 1)]


async def test_a_pillar_goes_to_the_head_alone(sessions: SessionFactory) -> None:
    await feed(sessions, TUESDAY, org_chart(), low_score(metric="S3", value=30.0))
    assert await told(sessions) == [("raised", "p010", 0)]


async def test_a_low_score_before_the_org_chart_is_tried_again_later(
    sessions: SessionFactory,
) -> None:
    with pytest.raises(RetryLater):
        await feed(sessions, TUESDAY, low_score(metric="S3", value=30.0))
    assert await staged(sessions) == [] and await queued(sessions) == 0


async def test_an_alert_left_alone_two_working_days_goes_one_level_up(
    sessions: SessionFactory,
) -> None:
    # Told on Tuesday 10/03/2026: Wednesday and Thursday are the two full working days.
    await feed(sessions, TUESDAY, org_chart(), low_score(metric="S3", value=30.0))
    assert await run_step(sessions, local(2026, 3, 12, 23, 59), escalate_due) == 0
    assert await run_step(sessions, local(2026, 3, 13, 0, 1), escalate_due) == 1
    assert await told(sessions) == [("raised", "p010", 0), ("escalated", "p002", 1)]
    # Once up, it does not go up again at the same moment.
    assert await run_step(sessions, local(2026, 3, 13, 0, 2), escalate_due) == 0


async def test_escalated_is_said_of_an_alert_handed_up_not_of_one_raised_at_a_higher_level(
    sessions: SessionFactory,
) -> None:
    """A low total goes to the unit head (level 0) and the vice-chairman (level 1) at once:
    the vice-chairman's alert was never escalated, and the inbox says nobody was told before.
    Left alone two working days, the vice-chairman's goes up to the chairman, whose alert names
    who had it before and since when; the head's finds the vice-chairman already told."""

    async def shown(person: str) -> dict[str, object]:
        async with sessions() as session:
            (alert,) = await inbox(session, WARD, person, "vi")
        return alert

    await feed(sessions, TUESDAY, org_chart(), low_score(metric="total", value=42.5))
    deputy = await shown("p002")
    assert (deputy["escalation_level"], deputy["told_before"]) == (1, None)
    assert (await shown("p010"))["told_before"] is None

    assert await run_step(sessions, local(2026, 3, 13, 0, 1), escalate_due) == 2
    chairman = await shown("p001")
    assert chairman["escalation_level"] == 2
    before = chairman["told_before"]
    assert isinstance(before, dict)
    assert (before["person_id"], before["full_name"]) == ("p002", "Lê Thị Bích Ngọc")
    # No message went out in this test: told since the alert was raised.
    assert datetime.fromisoformat(before["told_at"]) == TUESDAY
    deputy = await shown("p002")
    assert (deputy["status"], deputy["told_before"]) == ("escalated", None)


async def test_a_pillar_handed_up_names_the_head_told_before(sessions: SessionFactory) -> None:
    await feed(sessions, TUESDAY, org_chart(), low_score(metric="S3", value=30.0))
    await run_step(sessions, local(2026, 3, 13, 0, 1), escalate_due)
    async with sessions() as session:
        (alert,) = await inbox(session, WARD, "p002", "vi")
    assert alert["told_before"] is not None
    assert (alert["told_before"]["person_id"], alert["told_before"]["full_name"]) == (
        "p010",
        "Hồ Văn Phúc",
    )


def report_issued(period: str = "2026-02") -> PeriodReportIssued:
    data = PeriodReportIssuedData(
        period=period,
        title=Text(vi="Báo cáo kết quả thực hiện mô hình 5S+ tháng 02/2026", en="Report"),
        files=(
            ReportFile(
                name=f"bao-cao-5s-{period}.pdf",
                media_type="application/pdf",
                object_name=f"{WARD}/{period}/{'0' * 64}.pdf",
                size=8,
                sha256="0" * 64,
            ),
        ),
    )
    return PeriodReportIssued(ward=WARD, occurred_at=TUESDAY, actor=SYSTEM, data=data)


async def test_a_report_issued_queues_one_mail_per_member_of_the_committee_once(
    sessions: SessionFactory,
) -> None:
    # Issued on a Friday evening: it waits for 07:00 on the next working day, Monday.
    friday_evening = local(2026, 3, 13, 19)
    issued = report_issued()
    await feed(sessions, friday_evening, org_chart(), issued)
    await feed(sessions, friday_evening, issued, report_issued())  # again; and issued again
    async with sessions() as session:
        rows = (await session.execute(select(report_mails))).all()
    assert sorted((r.recipient_id, r.status) for r in rows) == [
        ("p001", "pending"),
        ("p002", "pending"),
    ]  # the chairman and the vice-chairman of the ward's chart, once each
    assert {r.send_after for r in rows} == {local(2026, 3, 16, 7)}
    assert await queued(sessions) == 0  # not an alert: nothing in the alerts' deliveries


async def test_an_alert_on_a_provisional_month_says_so_and_is_noted_final_when_it_is(
    sessions: SessionFactory,
) -> None:
    """An alert raised on July 2026 while provisional keeps what was true then, "tạm tính tại
    thời điểm cảnh báo", and once July is final the inbox (what the alerts page shows) says so
    beneath it, once however often the final result is announced; never a bare "tạm tính"."""
    await feed(sessions, TUESDAY, org_chart(), low_score(metric="total", period="2026-07"))
    await feed(sessions, TUESDAY, low_score(metric="S3", period="2026-06", final=True))

    async def bodies(lang: str = "vi") -> dict[str, str]:
        async with sessions() as session:
            shown = await inbox(session, WARD, "p010", lang)
        return {a["period"]: a["body"] for a in shown}

    before = await bodies()
    assert (
        "Kết quả tạm tính tại thời điểm cảnh báo của Phòng Kinh tế tháng 07/2026"
        in before["2026-07"]
    )
    assert "Kết quả chính thức của Phòng Kinh tế tháng 06/2026" in before["2026-06"]

    note = "Cập nhật: tháng 07/2026 đã khóa sổ, kết quả của Phòng Kinh tế nay là chính thức."
    later = local(2026, 8, 6)
    # A person's final result, another unit's, another month's: no alert of these changes.
    await feed(
        sessions, later, finalized("kt", "2026-07", kind="person"), finalized("vp", "2026-07")
    )
    await feed(sessions, later, finalized("kt", "2026-08"))
    assert await bodies() == before
    await feed(sessions, later, finalized("kt", "2026-07"))
    await feed(sessions, later, finalized("kt", "2026-07"))  # announced again: noted once
    after = await bodies()
    assert after["2026-07"] == f"{before['2026-07']} {note}"
    assert after["2026-06"] == before["2026-06"]
    english = await bodies("en")
    assert english["2026-07"].startswith(
        "The result of Economic Division for July 2026 (provisional at the time of this alert):"
    )
    assert english["2026-06"].startswith("The result of Economic Division for June 2026 (final):")
    assert "when alerted" not in english["2026-07"]
    assert english["2026-07"].endswith(
        "Update: July 2026 is closed, the result of Economic Division is now final."
    )
