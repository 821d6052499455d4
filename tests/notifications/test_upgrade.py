"""An upgrade keeps notifications' alerts and sends nothing again (issue 21, item 6):
notifications' database at the schema of the release before this one (the newest migration's
parent), holding a ward's chart, alerts raised, mailed and acknowledged and a person's channels,
is migrated by this release on start and served by it. Every row the previous schema held is
unchanged, the inbox answers the same, the events of the previous release (schema version 1),
delivered again from the start of their streams, are all read (none dead-lettered) and none is
applied twice (no alert raised or e-mail sent again); a new event is applied. PostgreSQL, real
NATS and SMTP."""

from __future__ import annotations

import asyncio

import pytest

from services.notifications.bootstrap import FACTS, MIGRATIONS, SCORES
from tests.conftest import bearer
from tests.notifications.harness import Mailbox, local, low_score, org_chart, settings_for, start
from tests.notifications.harness import stop as stop_service
from tests.support.upgrade import changes, dead_letters, every_row, to_previous_release

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

HEAD = bearer("unit_head", "p010", "kt")
#: Marks the relay and the sender set as they work (not facts of the ward).
WORK_MARKS = {"outbox": {"published_at", "attempts", "last_error"}}


async def test_an_upgraded_database_keeps_its_alerts_and_sends_nothing_twice(
    nats_server, nats_client, new_pg_database, mailbox: Mailbox
) -> None:
    url = new_pg_database()
    js = nats_client.jetstream()

    async def serve():  # this release, migrating the database on start
        return await start(
            settings_for(nats_server.url, url, mailbox, clock_start=local(2026, 3, 10, 9)),
            js,
            mailbox,
        )

    # A ward's life with notifications: its chart, two low scores mailed, one acknowledged,
    # the unit head's channels chosen.
    service = await serve()
    await service.publish(org_chart())
    await service.settled()
    await service.publish(low_score(metric="S1"), low_score(metric="S2"))
    await service.settled()
    first = (await service.alerts("p010", "unit_head"))[0]["alert_id"]
    assert (await service.http.post(f"/v1/alerts/{first}/ack", headers=HEAD)).status_code == 200
    chosen = {"email": True, "digest": True}
    assert (await service.http.put("/v1/preferences/me", json=chosen, headers=HEAD)).is_success
    await service.wait_mail(1)
    await service.service.scheduler.idle()
    inbox = await service.alerts("p010", "unit_head")
    mailed = mailbox.count()
    await stop_service(service)

    # The previous release's schema, with that data.
    previous = await to_previous_release(MIGRATIONS, url)
    before = await every_row(url, WORK_MARKS)
    assert before["alerts"][1] and before["org_people"][1], before.keys()
    # Delivered again from the start of their streams, as to a consumer made anew.
    for spec in (FACTS, SCORES):
        await js.delete_consumer(spec.stream.name, spec.name)

    service = await serve()
    try:
        await service.settled(within=30)
        await service.service.scheduler.tick()
        await service.service.scheduler.idle()
        await asyncio.sleep(0.5)
        assert changes(before, await every_row(url, like=before)) == {}, previous
        assert await service.alerts("p010", "unit_head") == inbox
        assert await dead_letters(js) == 0  # every event of the previous release was read
        assert mailbox.count() == mailed  # nothing sent again

        # And it goes on: the recoveries, events of today's release, resolve both alerts.
        await service.publish(
            low_score(metric="S1", recovered=True), low_score(metric="S2", recovered=True)
        )
        await service.settled()
        statuses = [
            a["status"] for a in await service.alerts("p010", "unit_head", include_resolved=True)
        ]
        assert statuses == ["resolved", "resolved"]
    finally:
        await stop_service(service)
