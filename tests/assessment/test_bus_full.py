"""NATS out of storage (issue 21, item 2): while JetStream refuses to store events, a submission
is refused with 503 ``bus_full`` and a reason in Vietnamese and English, not taken to wait in
the outbox; one taken before the refusal was noticed is kept and published once space returns,
and submissions are taken again. The server's own storage limit, real NATS."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
import pytest
from nats.js.errors import ServiceUnavailableError
from sqlalchemy import func, select

from contracts import intake as schemas
from contracts.roles import Role
from services.assessment.adapters.tables import plumbing
from services.assessment.bootstrap import build_runtime
from services.assessment.demo.loader import load_org
from services.runtime.auth import Principal
from services.runtime.refusals import Refusal
from tests.assessment.conftest import read_stream, service_settings
from tests.support.http import eventually
from tools.processes import NatsServer

pytestmark = [pytest.mark.nats]

KIOSK = Principal("kiosk-01", "binh-dong", Role.KIOSK, "ttphcc")


async def unpublished(runtime) -> int:
    outbox = plumbing.outbox
    async with runtime.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        )
    return int(count or 0)


async def test_a_full_event_store_refuses_submissions_with_503_and_loses_none(
    tmp_path: Path,
) -> None:
    config = tmp_path / "small.conf"
    config.write_text("jetstream { max_file_store: 4MB }\n")
    server = NatsServer(tmp_path / "nats", config=config, log=tmp_path / "nats.log").start()
    runtime, submissions = build_runtime(
        service_settings(server.url, f"sqlite+aiosqlite:///{tmp_path}/a.db", relay_poll_s=0.2)
    )
    await runtime.migrate()
    await load_org(runtime.sessions)
    client = await nats.connect(server.url)
    js = client.jetstream()
    await runtime.start()
    try:
        await eventually(lambda: _none(runtime), within=20)  # the org chart is out
        # Something else fills the server's storage.
        await js.add_stream(name="FILLER", subjects=["filler.>"])
        with pytest.raises(ServiceUnavailableError):
            for _ in range(1000):
                await js.publish("filler.x", b"x" * 60_000)

        status, taken = await submissions.execute(
            KIOSK, schemas.FeedbackIn(unit_id="ttphcc", level=2)
        )
        assert status == 201  # taken before the refusal was seen: kept in the outbox

        async def refusing() -> bool:
            return runtime.relay.refused is not None

        assert await eventually(refusing, within=30)
        assert await unpublished(runtime) >= 1
        with pytest.raises(Refusal) as refused:
            await submissions.execute(KIOSK, schemas.FeedbackIn(unit_id="ttphcc", level=5))
        assert refused.value.status == 503
        assert refused.value.body("en")["error"] == {
            "code": "bus_full",
            "message": "Submissions cannot be taken for now: the event store (NATS JetStream) "
            "is out of space. Nothing was recorded; please send again in a few minutes.",
            "field": None,
        }
        assert "đã hết dung lượng" in refused.value.body("vi")["error"]["message"]

        await js.purge_stream("FILLER")  # space returns
        assert await eventually(lambda: _none(runtime), within=30)
        assert runtime.relay.refused is None
        status, again = await submissions.execute(
            KIOSK, schemas.FeedbackIn(unit_id="ttphcc", level=4)
        )
        assert status == 201
        await eventually(lambda: _none(runtime), within=20)
        await asyncio.sleep(0.5)
        ratings = [
            m["event"]["data"]
            for m in await read_stream(client)
            if m["event"]["type"] == "assessment.feedback.received"
        ]
        # The one taken before the refusal and the one after, once each; the refused one nowhere.
        assert sorted((r["feedback_id"], r["level"]) for r in ratings) == sorted(
            [(taken["feedback_id"], 2), (again["feedback_id"], 4)]
        )
    finally:
        await runtime.stop()
        await client.close()
        server.stop()


async def _none(runtime) -> bool:
    return await unpublished(runtime) == 0
