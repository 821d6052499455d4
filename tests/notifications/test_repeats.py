"""Repeats count from the last message that went out (issue 12, item 11): while quiet hours or
days off hold a message, no repeats of the same alert pile up behind it, and an alert appears
once in a message. Real NATS and a real SMTP server."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from services.notifications.adapters.tables import deliveries
from tests.notifications.harness import Harness, local, low_score, org_chart

pytestmark = [pytest.mark.nats]

TITLE = "Điểm 5S thấp: Phòng Kinh tế, tháng 03/2026"


async def raised_at(service: Harness, moment: datetime) -> None:
    """A low S1 (not final: it waits for working hours) raised for kt at ``moment``."""
    service.clock.set(moment)
    await service.publish(org_chart())
    await service.settled()
    await service.publish(low_score(metric="S1"))
    await service.settled()


async def every_evening(service: Harness, start: datetime, until: datetime) -> int:
    """Ticks each evening at 18:00 from ``start`` to before ``until``, as the scheduler would;
    how many e-mails went out meanwhile."""
    sent = 0
    moment = start
    while moment < until:
        sent += await service.at(moment)
        moment += timedelta(days=1)
    return sent


async def pending(service: Harness) -> int:
    async with service.service.runtime.sessions() as session:
        count = await session.scalar(select(func.count()).where(deliveries.c.status == "pending"))
    return count or 0


async def test_a_friday_evening_low_score_reaches_the_head_once_on_monday(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 3, 13, 17, 45))
    await raised_at(service, local(2026, 3, 13, 17, 45))  # Friday, after 17:30

    # Saturday and Sunday evenings pass the 24-hour repeat: nothing more is queued behind the
    # message waiting for Monday.
    assert await every_evening(service, local(2026, 3, 14, 18), local(2026, 3, 16)) == 0
    assert await pending(service) == 1

    assert await service.at(local(2026, 3, 16, 7, 5)) == 1
    (monday,) = mailbox.to("p010")
    assert monday.subject == f"[5S+] {TITLE}"  # one alert, not "3 cảnh báo"
    assert monday.text.count(TITLE) == 1 and "\n2. " not in monday.text

    # The next repeat counts from Monday's message: 24 hours later, not earlier.
    assert await service.at(local(2026, 3, 17, 7, 4)) == 0
    assert await service.at(local(2026, 3, 17, 7, 6)) == 1


async def test_an_alert_raised_before_tet_reaches_the_head_once_after_it(notifications, mailbox):
    service = await notifications(clock_start=local(2026, 2, 13, 17, 45))
    await raised_at(service, local(2026, 2, 13, 17, 45))  # Friday before Tết

    # Tết (16-20/02/2026) and both weekends: ten evenings past the repeat interval.
    assert await every_evening(service, local(2026, 2, 14, 18), local(2026, 2, 23)) == 0
    assert await pending(service) == 1
    # Had a copy been queued anyway (by an instance of an older release), the message that goes
    # carries the alert once.
    async with service.service.runtime.sessions() as session, session.begin():
        row = (await session.execute(select(deliveries))).one()
        copy = {k: v for k, v in row._mapping.items() if k != "id"}
        await session.execute(deliveries.insert().values(**copy))
    assert await pending(service) == 2

    assert await service.at(local(2026, 2, 23, 7, 5)) == 1
    (after_tet,) = mailbox.to("p010")
    assert after_tet.subject == f"[5S+] {TITLE}"
    assert after_tet.text.count(TITLE) == 1 and "\n2. " not in after_tet.text
    assert await pending(service) == 0
