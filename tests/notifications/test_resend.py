"""A message the mail server accepted whose outcome was never recorded (the instance killed
between the server's 250 and the record) is sent again once its claim lapses: at least once,
never lost, and the copy is the same message with the same Message-ID and the same alerts, so a
server or reader that drops copies by their id drops it. Real NATS, a real SMTP server."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from services.notifications.adapters.tables import deliveries
from services.notifications.handlers import sending
from tests.e2e.soak_checks import acknowledged_alerts
from tests.notifications.harness import Harness, address, local, low_score, org_chart
from tests.support.http import eventually

pytestmark = [pytest.mark.nats]


async def test_a_message_sent_but_not_recorded_is_resent_with_its_message_id(
    notifications, mailbox, monkeypatch
):
    service: Harness = await notifications(clock_start=local(2026, 3, 10, 9))
    await service.publish(org_chart())
    await service.settled()
    killed: list[int] = []
    record = sending._record

    async def killed_before_recording(*args: Any) -> None:
        killed.append(1)  # the server said 250; the instance dies before the record
        raise RuntimeError("killed")

    monkeypatch.setattr(sending, "_record", killed_before_recording)
    await service.publish(low_score(metric="total"))  # to the head p002 and deputy p010
    await service.settled()
    await service.service.scheduler.tick()
    await service.wait_mail(2)

    async def both_killed() -> bool:
        return len(killed) == 2

    await eventually(both_killed)
    monkeypatch.setattr(sending, "_record", record)
    first = {m.to: m.message_id for m in mailbox.messages}  # by address
    assert len(first) == 2 and all(first.values()) and len(set(first.values())) == 2

    async with service.service.runtime.sessions() as session:
        held = list(await session.scalars(select(deliveries.c.id)))
    # While the claim is held another alert arrives: it goes in a message of its own, never
    # into the one being resent (whose copy a server may drop by its id).
    await service.publish(low_score(metric="S1"))
    await service.settled()
    async with service.service.runtime.sessions() as session:
        await session.execute(  # the killed instance's lease lapses (S1's own claim stands)
            update(deliveries).where(deliveries.c.id.in_(held)).values(claimed_until=None)
        )
        await session.commit()
    for _ in range(3):
        service.clock.advance(120)
        await service.service.scheduler.tick()
    await service.wait_mail(5)

    for to, key in first.items():
        ids = [m.message_id for m in mailbox.messages if m.to == to]
        texts = [m.text for m in mailbox.messages if m.to == to and m.message_id == key]
        assert ids.count(key) == 2  # resent once, with the same Message-ID
        assert acknowledged_alerts(texts[0]) == acknowledged_alerts(texts[1]) != set()
    # S1 is told to the unit's head (p010) alone: a message with an id of its own.
    other = [m.message_id for m in mailbox.to("p010") if m.message_id != first[address("p010")]]
    assert len(other) == 1 and other[0] and mailbox.count() == 5
    async with service.service.runtime.sessions() as session:
        rows = (await session.execute(select(deliveries))).all()
    assert len(rows) == 3 and all(r.status == "sent" for r in rows)
    assert len({r.message_id for r in rows}) == 3
