"""NATS out of storage, in notifications (issue 21, item 2): while JetStream refuses to store
events, people's commands (acknowledge, snooze, channel preferences, by the API or a message's
link) are refused with 503 ``bus_full`` and a reason in Vietnamese and English, and change
nothing; an acknowledgement taken before the refusal was noticed is kept in the outbox and
published once space returns, and commands are taken again. The same gate as assessment's and
scoring's (``Runtime.check_bus``). The server's own storage limit, real NATS and SMTP."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

import nats
import pytest

from services.runtime.broker import ensure_streams
from tests.assessment.conftest import read_stream
from tests.conftest import bearer
from tests.notifications.harness import Mailbox, local, low_score, org_chart, settings_for, start
from tests.notifications.harness import stop as stop_service
from tests.support.bus import drained, fill, free, refusing, small_store
from tests.support.http import eventually

pytestmark = [pytest.mark.nats]

HEAD = bearer("unit_head", "p010", "kt")
BUS_FULL_EN = (
    "Submissions cannot be taken for now: the event store (NATS JetStream) is out of space. "
    "Nothing was recorded; please send again in a few minutes."
)


async def acknowledged(client, alert_ids: set[str]) -> list[str]:
    """The alerts of ``alert_ids`` acknowledged on the NOTIFICATIONS stream, once per event."""
    return [
        m["event"]["data"]["alert_id"]
        for m in await read_stream(client, "NOTIFICATIONS")
        if m["event"]["type"] == "notifications.alert.acknowledged"
        and m["event"]["data"]["alert_id"] in alert_ids
    ]


async def test_a_full_event_store_refuses_peoples_commands_with_503_and_loses_none(
    tmp_path: Path, mailbox: Mailbox
) -> None:
    server = small_store(tmp_path)
    client = await nats.connect(server.url)
    js = client.jetstream()
    await ensure_streams(js)
    service = await start(
        settings_for(
            server.url,
            f"sqlite+aiosqlite:///{tmp_path}/n.db",
            mailbox,
            clock_start=local(2026, 3, 10, 9),
        ),
        js,
        mailbox,
    )
    runtime = service.service.runtime
    try:
        await service.publish(org_chart())
        await service.settled()
        await service.publish(low_score(metric="S1"), low_score(metric="S2"))
        await service.settled()
        first, second = (a["alert_id"] for a in await service.alerts("p010", "unit_head"))
        await eventually(partial(drained, runtime), within=20)  # the alerts' events are out
        await fill(js)  # something else fills the server's storage

        taken = await service.http.post(f"/v1/alerts/{first}/ack", headers=HEAD)
        assert taken.status_code == 200  # taken before the refusal was seen: kept in the outbox
        assert await eventually(partial(refusing, runtime), within=30)

        refused = [
            await service.http.post(f"/v1/alerts/{second}/ack", headers=HEAD),
            await service.http.post(f"/v1/alerts/{second}/snooze", json={"hours": 2}, headers=HEAD),
            await service.http.put("/v1/preferences/me", json={"digest": True}, headers=HEAD),
        ]
        assert [answer.status_code for answer in refused] == [503, 503, 503]
        assert {answer.json()["error"]["code"] for answer in refused} == {"bus_full"}
        assert "đã hết dung lượng" in refused[0].json()["error"]["message"]
        english = await service.http.post(
            f"/v1/alerts/{second}/ack", headers={**HEAD, "Accept-Language": "en"}
        )
        assert english.status_code == 503
        assert english.json()["error"] == {
            "code": "bus_full",
            "message": BUS_FULL_EN,
            "field": None,
        }
        # Nothing of the refused commands was recorded.
        mine = {a["alert_id"]: a for a in await service.alerts("p010", "unit_head")}
        assert mine[second]["status"] == "open"
        assert mine[second].get("snoozed_until") is None
        preferences = await service.http.get("/v1/preferences/me", headers=HEAD)
        assert preferences.json()["digest"] is False

        await free(js)  # space returns
        assert await eventually(partial(drained, runtime), within=30)
        assert runtime.relay is not None and runtime.relay.refused is None
        again = await service.http.post(f"/v1/alerts/{second}/ack", headers=HEAD)
        assert again.status_code == 200
        await eventually(partial(drained, runtime), within=20)
        await asyncio.sleep(0.5)
        # The acknowledgement taken before the refusal and the one after, once each.
        assert sorted(await acknowledged(client, {first, second})) == sorted([first, second])
    finally:
        await stop_service(service)
        await client.close()
        server.stop()
