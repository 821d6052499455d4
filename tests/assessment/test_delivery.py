"""Nothing accepted is lost, nothing is published twice: submissions committed while the relay is
not running, or whose publication was not marked before a crash, or in flight when the process
is killed, are each on the stream exactly once after a restart. Real NATS, real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from contracts import intake as schemas
from contracts.roles import Role
from services.assessment.adapters.tables import plumbing
from services.assessment.bootstrap import build_runtime
from services.assessment.demo.loader import load_org
from services.runtime.auth import Principal
from tests.assessment.conftest import (
    audit_body,
    plus_body,
    read_stream,
    service_settings,
    this_month,
)
from tests.support.http import eventually
from tests.support.stack import Stack
from tools.processes import ROOT

pytestmark = [pytest.mark.nats, pytest.mark.postgres]

WARD = "binh-dong"


async def outbox_ids(sessions) -> list[str]:
    async with sessions() as session:
        return list((await session.scalars(select(plumbing.outbox.c.event_id))).all())


async def exactly_once(nc, expected: list[str]) -> None:
    """Every expected event id is on the stream once, and nothing else is."""

    async def all_there() -> bool:
        seen = {m["msg_id"] for m in await read_stream(nc)}
        return set(expected) <= seen

    await eventually(all_there, within=15)
    await asyncio.sleep(0.5)  # time for a duplicate to show up, if one were coming
    counts = Counter(m["msg_id"] for m in await read_stream(nc))
    assert set(counts) == set(expected)
    assert set(counts.values()) == {1}, [k for k, v in counts.items() if v > 1]
    for message in await read_stream(nc):
        assert message["event"]["event_id"] == message["msg_id"]


async def test_committed_while_the_relay_was_down_is_published_once(
    nats_server, nats_client, new_pg_database
) -> None:
    config = service_settings(nats_server.url, new_pg_database(), auto_close_lookback_months=0)
    runtime, submissions = build_runtime(config)
    await runtime.migrate()
    await load_org(runtime.sessions)
    # The service is "down": submissions are committed, nothing relays them.
    auditor = Principal("p011", WARD, Role.AUDITOR, "kt")
    staff = Principal("p012", WARD, Role.STAFF, "kt")
    kiosk = Principal("kiosk-01", WARD, Role.KIOSK, "ttphcc")
    hr = Principal("hr-sync", WARD, Role.INTEGRATION)
    await submissions.execute(auditor, schemas.AuditIn.model_validate(audit_body("vhxh", 1)))
    await submissions.execute(staff, schemas.SelfAssessmentIn.model_validate(plus_body()))
    await submissions.execute(kiosk, schemas.FeedbackIn(unit_id="ttphcc", level=2))
    await submissions.execute(
        hr,
        schemas.TaskResultIn(person_id="p012", period=this_month(), points=55),
    )
    expected = await outbox_ids(runtime.sessions)
    assert len(expected) > 4  # the org chart, the audit and its findings, and the rest
    assert await read_stream(nats_client) == []

    await runtime.start()
    try:
        await exactly_once(nats_client, expected)
        # A crash after publishing but before marking: the rows look unpublished again.
        async with runtime.sessions() as session, session.begin():
            await session.execute(update(plumbing.outbox).values(published_at=None))
    finally:
        await runtime.stop()

    restarted, _ = build_runtime(config)
    await restarted.start()
    try:

        async def all_marked() -> bool:
            async with restarted.sessions() as session:
                pending = await session.scalars(
                    select(plumbing.outbox.c.id).where(plumbing.outbox.c.published_at.is_(None))
                )
                return not pending.all()

        await eventually(all_marked)
        await exactly_once(nats_client, expected)
    finally:
        await restarted.stop()


@pytest.mark.e2e
async def test_killed_process_loses_nothing_and_duplicates_nothing(
    nats_server, nats_client, new_pg_database, tmp_path: Path
) -> None:
    database = new_pg_database()
    stack = Stack(
        nats_server.url,
        {"assessment": database},
        tmp_path,
        extra_env={"WARD5S_ASSESSMENT_AUTO_CLOSE_INTERVAL_S": "3600"},
    )
    await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "services.assessment",
            "demo",
            "--mode",
            "org",
            "--tokens",
            str(tmp_path / "tokens.json"),
        ],
        cwd=ROOT,
        env={**os.environ, **stack.env("assessment")},
        check=True,
        capture_output=True,
    )
    tokens = json.loads((tmp_path / "tokens.json").read_text(encoding="utf-8"))
    auditor = next(t for t in tokens if t["role"] == "auditor" and t["unit_id"] == "kt")
    headers = {"Authorization": f"Bearer {auditor['token']}"}
    stack.start("assessment")
    url = stack.url("assessment")
    try:
        async with httpx.AsyncClient(timeout=10) as http:

            async def submit(unit: str) -> int:
                answer = await http.post(
                    f"{url}/v1/audits", json=audit_body(unit, 0), headers=headers
                )
                return answer.status_code

            statuses = await asyncio.gather(
                *(submit(u) for u in ["vp", "vhxh", "ttphcc", "dvcu"] * 5)
            )
            assert set(statuses) == {201}
        stack.services["assessment"].kill()  # SIGKILL: no graceful shutdown, relay mid-flight
        stack.services.pop("assessment")
        stack.start("assessment")
        engine_url = database
        from services.runtime.db import create_engine, session_factory

        engine = create_engine(engine_url)
        try:
            expected = await outbox_ids(session_factory(engine))
        finally:
            await engine.dispose()
        # The org chart, each audit with its 25 findings, and any month the automatic close shut.
        assert len(expected) >= 1 + 20 * (1 + 25)
        await exactly_once(nats_client, expected)
    finally:
        stack.stop()
