"""Two instances of the service on one PostgreSQL database, one NATS server and one SMTP server:
every due delivery is claimed by one of them, and the scheduler's raises, repeats and escalations
happen once, so each recipient gets each alert exactly once per send."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import or_, select, update

from services.notifications.adapters.tables import alerts, deliveries
from services.notifications.handlers.sending import claim_due
from tests.notifications.harness import Harness, Mailbox, address, local, low_score, org_chart
from tests.support.http import eventually

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

METRICS = ("total", "S1", "S2", "S3", "S4", "S5")
PERIODS = ("2026-01", "2026-02", "2026-03")
LINK = re.compile(r"/alerts/link/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


def told(mailbox: Mailbox, since: int) -> Counter[tuple[str, str]]:
    """(recipient address, alert id) of every alert in the e-mails accepted after ``since``."""
    with mailbox.lock:
        received = mailbox.messages[since:]
    seen: Counter[tuple[str, str]] = Counter()
    for mail in received:
        for token in set(LINK.findall(mail.text)):
            claims = jwt.decode(token, options={"verify_signature": False})
            if claims["act"] == "ack":
                seen[(mail.to, claims["alert"])] += 1
    return seen


async def sent_since(service: Harness, moment: datetime) -> Counter[tuple[str, str]]:
    async with service.service.runtime.sessions() as session:
        rows = (
            await session.execute(
                select(deliveries.c.recipient_id, deliveries.c.alert_id).where(
                    deliveries.c.status == "sent",
                    deliveries.c.kind == "alert",
                    deliveries.c.sent_at >= moment,
                )
            )
        ).all()
    return Counter((address(r.recipient_id), r.alert_id) for r in rows)


async def step(
    a: Harness, b: Harness, moment: datetime, before: int | None = None
) -> Counter[tuple[str, str]]:
    """Both clocks to ``moment`` (never back), both schedulers ticking at once, until nothing
    owed is left; what the SMTP server accepted since message ``before`` (by default: from now
    on)."""
    before = a.mailbox.count() if before is None else before
    for service in (a, b):
        # Each instance's clock runs on from where it was set: on a loaded machine the raises
        # before the first step are made seconds after the start. Set back, a clock would hold
        # their messages (due at their making) until it caught up, after the step was over.
        if service.clock.now() < moment:
            service.clock.set(moment)

    async def drained() -> bool:
        # Read before the ticks: whatever is due by then, they handle.
        now = max(a.clock.now(), b.clock.now())
        await asyncio.gather(*(s.service.scheduler.tick() for s in (a, b, a, b)))
        async with a.service.runtime.sessions() as session:
            # Alerts first: an escalation or a repeat changes its alert and queues its delivery
            # in one transaction, which another instance's loop may commit between the two
            # queries. Asked in this order, a commit in between shows as a pending delivery.
            to_escalate_or_repeat = (
                await session.execute(
                    select(alerts.c.alert_id).where(
                        alerts.c.status == "open",
                        or_(alerts.c.escalates_at <= now, alerts.c.repeat_at <= now),
                    )
                )
            ).all()
            owed = (
                await session.execute(
                    select(deliveries.c.id).where(
                        deliveries.c.status == "pending",  # also while claimed and in flight
                        or_(
                            deliveries.c.send_after <= now,
                            # Queued to go at once, by a clock that ran on past ``now``
                            # (during these ticks): owed as much as one due by ``now``.
                            deliveries.c.send_after <= deliveries.c.created_at,
                            deliveries.c.attempts > 0,  # a retry goes within seconds
                        ),
                    )
                )
            ).all()
        # Only first attempts held for quiet hours or a digest may wait.
        return not to_escalate_or_repeat and not owed

    await eventually(drained)
    mails = told(a.mailbox, before)
    assert mails == await sent_since(a, moment)  # each recorded send reached the server once
    assert all(n == 1 for n in mails.values()), mails  # nobody got an alert twice in a send
    return mails


async def test_two_instances_on_one_database_send_each_alert_once(notifications, mailbox, pg_url):
    start = local(2026, 3, 10, 9)  # a Tuesday
    a = await notifications(clock_start=start, database_url=pg_url)
    b = await notifications(clock_start=start, database_url=pg_url)
    await a.publish(org_chart())
    await a.settled()
    await a.publish(*(low_score(metric=m, period=p) for m in METRICS for p in PERIODS))
    await a.settled()

    # The raises woke both schedulers already: count from the first message on.
    first = await step(a, b, start, before=0)
    alerts_raised = len(METRICS) * len(PERIODS)
    assert sum(1 for to, _ in first if to == address("p010")) == alerts_raised
    assert sum(1 for to, _ in first if to == address("p002")) == len(PERIODS)  # the totals
    assert len(first) == alerts_raised + len(PERIODS)

    repeated = await step(a, b, local(2026, 3, 11, 10))  # 24 h on, nobody acknowledged
    assert set(repeated) == set(first)

    # Friday: two full working days unacknowledged, the unit head's alerts go one level up.
    friday = local(2026, 3, 13, 9)
    escalation = await step(a, b, friday)
    async with a.service.runtime.sessions() as session:
        handed_up = (
            await session.execute(
                select(alerts.c.recipient_id, alerts.c.alert_id).where(
                    alerts.c.escalation_level > 0, alerts.c.created_at >= friday
                )
            )
        ).all()
    assert handed_up, "nothing was escalated"
    for row in handed_up:
        assert escalation[(address(row.recipient_id), row.alert_id)] == 1
    again = await step(a, b, local(2026, 3, 13, 9, 5))
    assert not again  # nothing more within the repeat interval


async def test_a_claim_that_lapses_is_taken_over(notifications, mailbox, pg_url):
    start = local(2026, 3, 10, 9)
    a = await notifications(clock_start=start, database_url=pg_url, claim_s=70.0)
    a.service.scheduler.wake = lambda: None  # type: ignore[method-assign]  # a stalls mid-send
    await a.publish(org_chart())
    await a.settled()
    a.clock.set(local(2026, 3, 10, 18))  # quiet hours: the alert waits for the morning
    await a.publish(low_score(metric="S1"))
    await a.settled()
    a.clock.set(local(2026, 3, 11, 9))
    claimed = await claim_due(a.service.units, a.service.scheduler.sender)  # then a dies
    assert claimed

    b = await notifications(clock_start=local(2026, 3, 11, 9), database_url=pg_url)
    assert await b.service.scheduler.tick() == 0  # a's claim holds
    assert mailbox.count() == 0
    async with b.service.runtime.sessions() as session, session.begin():
        await session.execute(  # the lease runs out
            update(deliveries)
            .where(deliveries.c.id.in_(claimed))
            .values(claimed_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert await b.service.scheduler.tick() == len(claimed)
    assert len(mailbox.to("p010")) == 1
