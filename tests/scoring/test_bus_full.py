"""NATS out of storage, in scoring (issue 21, item 2): while JetStream refuses to store the
events scoring has staged, the chairman's decisions (the one people's command that publishes)
are refused with 503 ``bus_full`` before anything is done, and taken again once the relay
stores a batch. The gate assessment and notifications have (``Runtime.check_bus``). The
server's own storage limit, real NATS."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import nats
import pytest
from sqlalchemy import insert

from contracts.roles import Role
from contracts.scoring_commands import DecisionCommand
from services.runtime.auth import Principal
from services.runtime.refusals import Refusal
from services.scoring.bootstrap import build_app
from tests.scoring.test_scale_out import config
from tests.support.bus import drained, fill, free, refusing, small_store
from tests.support.http import eventually

pytestmark = [pytest.mark.nats]

CHAIRMAN = Principal("p001", "binh-dong", Role.CHAIRMAN, "vp")
DECISION = DecisionCommand(period="2026-03", excellent=("p1",), duty_group="chuyen_mon")


async def test_a_full_event_store_refuses_the_chairmans_decisions_with_503(
    tmp_path: Path,
) -> None:
    server = small_store(tmp_path)
    app = build_app(config(server.url, f"sqlite+aiosqlite:///{tmp_path}/s.db"))
    runtime, commands = app.state.runtime, app.state.commands
    client = await nats.connect(server.url)
    js = client.jetstream()
    await runtime.start()
    try:
        await fill(js)  # something else fills the server's storage
        # An event scoring staged (a low score, say) cannot be stored.
        async with runtime.sessions.begin() as session:
            await session.execute(
                insert(runtime.plumbing.outbox).values(
                    event_id=str(uuid.uuid4()),
                    subject="ward5s.binh-dong.scoring.low_score.detected",
                    payload=b'{"type": "scoring.low_score.detected"}',
                    created_at=datetime.now(UTC),
                    attempts=0,
                )
            )
        runtime.relay.wake()
        assert await eventually(partial(refusing, runtime), within=30)
        with pytest.raises(Refusal) as refused:
            await commands.execute(CHAIRMAN, DECISION)
        assert (refused.value.status, refused.value.code) == (503, "bus_full")

        await free(js)  # space returns
        assert await eventually(partial(drained, runtime), within=30)
        # Taken again: judged on its merits (the chairman is in no chart scoring knows).
        with pytest.raises(Refusal) as judged:
            await commands.execute(CHAIRMAN, DECISION)
        assert (judged.value.status, judged.value.code) == (403, "not_in_org_chart")
    finally:
        await runtime.stop()
        await client.close()
        server.stop()
