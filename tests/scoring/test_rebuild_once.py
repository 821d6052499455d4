"""One rebuild at a time (issue 21, items 4 and 5): across instances and the command line a
second rebuild is refused with the running one's progress, which the admin endpoint reports;
a rebuild that died (its heartbeat stopped) is taken over. Real NATS and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from services.runtime.refusals import Refusal
from services.scoring import bootstrap
from services.scoring.adapters import rebuild_runs
from services.scoring.adapters.tables import plumbing
from services.scoring.rebuild import STALE
from tests.conftest import bearer
from tests.scoring.test_scale_out import config, history, publish
from tests.support.http import eventually

pytestmark = [pytest.mark.nats, pytest.mark.postgres]


async def test_a_second_rebuild_is_refused_with_the_running_ones_progress(
    nats_client, nats_server, pg_url
) -> None:
    stream = history()[:40]
    await publish(nats_client, stream)
    app = bootstrap.build_app(config(nats_server.url, pg_url))
    runtime = app.state.runtime
    await runtime.start()
    transport = httpx.ASGITransport(app=app)
    admin = bearer("admin", "p000")
    try:

        async def applied() -> bool:
            async with runtime.sessions() as session:
                done = await session.scalar(select(func.count()).select_from(plumbing.inbox))
            return done == len(stream)

        await eventually(applied, within=30)
        async with httpx.AsyncClient(transport=transport, base_url="http://scoring") as http:
            idle = await http.get("/v1/admin/rebuild", headers=admin)
            assert idle.status_code == 200 and idle.json() == {"running": False}
            assert (
                await http.get("/v1/admin/rebuild", headers=bearer("chairman", "p001"))
            ).status_code == 403

            # Another instance's rebuild is reading: 12 events of 40 folded, a second ago.
            now = datetime.now(UTC)
            assert (
                await rebuild_runs.claim(runtime.sessions, now - timedelta(seconds=5), STALE)
                is None
            )
            await rebuild_runs.report(runtime.sessions, now, "reading", 12, 40)
            shown = (await http.get("/v1/admin/rebuild", headers=admin)).json()
            assert shown["running"] is True
            assert (shown["stage"], shown["done"], shown["total"], shown["percent"]) == (
                "reading",
                12,
                40,
                30.0,
            )
            assert shown["eta_s"] == pytest.approx(5 * 28 / 12, abs=0.2)
            refused = await http.post(
                "/v1/admin/rebuild", headers={**admin, "Accept-Language": "en"}
            )
            assert refused.status_code == 409
            error = refused.json()["error"]
            assert error["code"] == "rebuild_running"
            assert "stage reading: 12/40 events" in error["message"]
            vietnamese = (await http.post("/v1/admin/rebuild", headers=admin)).json()["error"]
            assert "bước reading: 12/40 sự kiện" in vietnamese["message"]
            await rebuild_runs.release(runtime.sessions)

            # Two at once, for real: one runs, the other is refused; then the row is gone.
            live_rebuild = app.state.commands.rebuild  # what the admin endpoint runs
            outcomes = await asyncio.gather(live_rebuild(), live_rebuild(), return_exceptions=True)
            refusals = [o for o in outcomes if isinstance(o, Refusal)]
            reports = [o for o in outcomes if not isinstance(o, BaseException)]
            assert len(refusals) == 1 and refusals[0].code == "rebuild_running"
            assert len(reports) == 1 and reports[0].events == len(stream)
            assert (await http.get("/v1/admin/rebuild", headers=admin)).json() == {"running": False}

            # A rebuild that died two minutes ago (no heartbeat since) is taken over.
            dead = datetime.now(UTC) - STALE - timedelta(seconds=60)
            assert await rebuild_runs.claim(runtime.sessions, dead, STALE) is None
            answer = await http.post("/v1/admin/rebuild", headers=admin)
            assert answer.status_code == 200, answer.text
            assert answer.json()["events"] == len(stream)
    finally:
        await runtime.stop()
