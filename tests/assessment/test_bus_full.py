"""NATS out of storage (issue 21, item 2): while JetStream refuses to store events, a submission
is refused with 503 ``bus_full`` and a reason in Vietnamese and English, not taken to wait in
the outbox (a password reset's link alike); one taken before the refusal was noticed is kept
and published once space returns, and submissions are taken again. The server's own storage
limit, real NATS."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

import httpx
import nats
import pytest

from contracts import intake as schemas
from contracts.roles import Role
from services.assessment.bootstrap import build_app
from services.assessment.demo.loader import load_org
from services.runtime.auth import Principal
from services.runtime.refusals import Refusal
from tests.assessment.conftest import read_stream, service_settings
from tests.support.bus import drained, fill, free, refusing, small_store, unpublished
from tests.support.http import eventually

pytestmark = [pytest.mark.nats]

KIOSK = Principal("kiosk-01", "binh-dong", Role.KIOSK, "ttphcc")


async def test_a_full_event_store_refuses_submissions_with_503_and_loses_none(
    tmp_path: Path,
) -> None:
    server = small_store(tmp_path)
    app = build_app(
        service_settings(server.url, f"sqlite+aiosqlite:///{tmp_path}/a.db", relay_poll_s=0.2)
    )
    runtime, submissions = app.state.runtime, app.state.submissions
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    await runtime.migrate()
    await load_org(runtime.sessions)
    client = await nats.connect(server.url)
    js = client.jetstream()
    await runtime.start()
    try:
        await eventually(partial(drained, runtime), within=20)  # the org chart is out
        await fill(js)  # something else fills the server's storage

        status, taken = await submissions.execute(
            KIOSK, schemas.FeedbackIn(unit_id="ttphcc", level=2)
        )
        assert status == 201  # taken before the refusal was seen: kept in the outbox

        assert await eventually(partial(refusing, runtime), within=30)
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
        # A password reset's link would wait for space too: refused alike.
        reset = await http.post("/v1/auth/reset", json={"email": "p006@binhdong.example.vn"})
        assert (reset.status_code, reset.json()["error"]["code"]) == (503, "bus_full")

        await free(js)  # space returns
        assert await eventually(partial(drained, runtime), within=30)
        assert runtime.relay is not None and runtime.relay.refused is None
        status, again = await submissions.execute(
            KIOSK, schemas.FeedbackIn(unit_id="ttphcc", level=4)
        )
        assert status == 201
        await eventually(partial(drained, runtime), within=20)
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
        await http.aclose()
        await runtime.stop()
        await client.close()
        server.stop()
