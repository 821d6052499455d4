"""One assessment service per test module, in process, on a real ``nats-server -js`` and a real
PostgreSQL database of its own, with the demo org chart loaded through the handlers."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NatsClient
from nats.js.errors import NotFoundError
from sqlalchemy import func, select

from contracts.catalog import default_catalog, shipped_catalog
from services.assessment.adapters.tables import (
    audit_revisions,
    audits,
    catalogs,
    citizen_follow_ups,
    corrective_actions,
    feedback,
    idempotency,
    metadata,
    period_reviews,
    periods,
    plumbing,
    review_follow_ups,
    self_assessments,
    task_results,
)
from services.assessment.bootstrap import AssessmentSettings, build_app, register_texts
from services.assessment.demo.loader import load_org
from services.assessment.domain.policy import Policy
from services.assessment.handlers.periods import close_due_periods
from services.runtime.clock import FrozenClock, wall
from services.runtime.db import SessionFactory
from services.runtime.uow import UnitOfWork
from tests.conftest import bearer
from tests.support.clock import now_local as now_local  # re-exported: the tests import it here
from tests.support.clock import this_month
from tests.support.databases import in_memory_from
from tests.support.http import eventually
from tests.support.keys import session_keys
from tools import demo
from tools.processes import NatsServer, ServiceProcess, free_port


@pytest.fixture(autouse=True, scope="session")
def assessment_texts() -> None:
    """The refusals' texts, as the composition root registers them at start-up (tests of the
    domain and handlers build no app)."""
    register_texts()


@pytest.fixture
async def demo_sessions() -> AsyncIterator[SessionFactory]:
    """Sessions on an in-memory database of the demo ward (the default catalogue and the demo
    org chart, loaded through the handlers: ``load_org``) of the test's own, replayed from one
    built once a test session (``tests.support.databases``)."""
    async with in_memory_from("demo-ward", metadata, load_org) as sessions:
        yield sessions


def unit_at(sessions: SessionFactory, moment: datetime | None = None) -> UnitOfWork:
    """A unit of work on the service's database whose time is ``moment`` (now if None)."""
    return UnitOfWork(sessions, plumbing.outbox, FrozenClock(moment or wall()))


STORED = (
    plumbing.outbox,
    audits,
    audit_revisions,
    corrective_actions,
    self_assessments,
    feedback,
    task_results,
    periods,
    idempotency,
    catalogs,
    period_reviews,
    review_follow_ups,
    citizen_follow_ups,
)

#: Kiosks may rate this many times in a burst in the tests (then 429).
TEST_BURST = 4


def pg_database(postgres: Any) -> str:
    name = f"t_{uuid.uuid4().hex[:16]}"
    postgres.psql(f"CREATE DATABASE {name};")
    uri: str = postgres.get_uri(name)
    return uri.replace("postgresql://", "postgresql+asyncpg://", 1)


def service_settings(nats_url: str, database_url: str, **overrides: Any) -> AssessmentSettings:
    values: dict[str, Any] = {
        "service": "assessment",
        "environment": "test",
        "http_port": 0,
        "database_url": database_url,
        "nats_url": nats_url,
        "relay_poll_s": 0.1,
        "feedback_burst": TEST_BURST,
        "feedback_refill_s": 3600,
        # The automatic close runs at start-up (and the fixture does its round at once), then
        # not again while tests count what was stored: a test that records activity in an old
        # month would otherwise have the job close the months after it under the next test.
        "auto_close_interval_s": 3600,
        **session_keys().settings(),
        **overrides,
    }
    return AssessmentSettings(**values)


async def read_stream(nc: NatsClient, stream: str = "ASSESSMENT") -> list[dict[str, Any]]:
    """Every message on a stream: its subject, its Nats-Msg-Id and its event as JSON."""
    js = nc.jetstream()
    info = await js.stream_info(stream)
    messages: list[dict[str, Any]] = []
    if not info.state.messages:
        return messages
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            raw = await js.get_msg(stream, sequence)
        except NotFoundError:
            continue
        messages.append(
            {
                "subject": raw.subject,
                "msg_id": (raw.headers or {}).get("Nats-Msg-Id"),
                "event": json.loads(raw.data or b"{}"),
            }
        )
    return messages


@dataclass
class Service:
    app: FastAPI
    http: httpx.AsyncClient
    nc: NatsClient
    sessions: SessionFactory

    async def stored(self) -> dict[str, int]:
        """Rows of every table a submission writes, and events staged: a refused submission
        changes none of them (only a kiosk's rate bucket counts refusals)."""
        async with self.sessions() as session:
            return {
                table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
                for table in STORED
            }

    async def events(self, **match: Any) -> list[dict[str, Any]]:
        """Events on the stream whose ``data`` has all the given values."""
        found = []
        for message in await read_stream(self.nc):
            data = message["event"].get("data", {})
            if all(str(data.get(k)) == str(v) for k, v in match.items()):
                found.append(message)
        return found

    async def settled_events(self, expected: int, **match: Any) -> list[dict[str, Any]]:
        """Wait for ``expected`` events matching, then a little more to catch any extra one."""

        async def enough() -> list[dict[str, Any]] | None:
            found = await self.events(**match)
            return found if len(found) >= expected else None

        await eventually(enough, within=10)
        await asyncio.sleep(0.3)
        return await self.events(**match)


@pytest.fixture(scope="module")
async def service(
    postgres: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Service]:
    async with running_service(postgres, tmp_path_factory.mktemp("assessment")) as running:
        yield running


@asynccontextmanager
async def running_service(
    postgres: Any,
    workdir: Path,
    started: Callable[[str], None] | None = None,
    **overrides: Any,
) -> AsyncIterator[Service]:
    """The service on a NATS server of its own and a new PostgreSQL database, the demo org
    chart loaded; ``started(nats_url)`` runs once it is up (to start services beside it)."""
    server = NatsServer(workdir / "nats", log=workdir / "nats.log").start()
    try:
        app = build_app(service_settings(server.url, pg_database(postgres), **overrides))
        async with app.router.lifespan_context(app):
            sessions = app.state.runtime.sessions
            await load_org(sessions)
            # What the automatic close would do in its next round, done now, so that the
            # background job adds nothing while tests count what was stored.
            async with unit_at(sessions) as uow:
                await close_due_periods(uow, Policy())
            nc = await nats.connect(server.url)
            transport = httpx.ASGITransport(app=app)
            if started is not None:
                started(server.url)
            async with httpx.AsyncClient(transport=transport, base_url="http://assessment") as http:
                yield Service(app, http, nc, sessions)
            await nc.close()
    finally:
        server.stop()


@asynccontextmanager
async def running_with_scoring(postgres: Any, workdir: Path) -> AsyncIterator[Service]:
    """:func:`running_service` with scoring running as a process beside it, on the same NATS
    and a database of its own (``.scoring_url``, ``.scoring``): the periodic reviews and the
    period report read its API."""
    scoring = ServiceProcess("scoring", free_port(), {}, log=workdir / "scoring.log")

    def start_scoring(nats_url: str) -> None:
        scoring.env = {
            "WARD5S_NATS_URL": nats_url,
            "WARD5S_ENVIRONMENT": "test",
            "WARD5S_VAR_DIR": str(workdir),
            "WARD5S_SCORING_DATABASE_URL": pg_database(postgres),
            **session_keys().env(),
        }
        scoring.start()

    try:
        async with running_service(
            postgres, workdir, start_scoring, scoring_url=scoring.base_url
        ) as running:
            running.scoring_url = scoring.base_url  # type: ignore[attr-defined]
            running.scoring = scoring  # type: ignore[attr-defined]
            yield running
    finally:
        scoring.stop()


async def pdf_text(content: bytes) -> str:
    """The PDF's text in reading order, each run of white space one space (a table's heading
    wraps within its cell)."""
    pdftotext = await asyncio.create_subprocess_exec(
        "pdftotext", "-", "-", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await pdftotext.communicate(content)
    assert pdftotext.returncode == 0
    return " ".join(out.decode().split())


# --- bodies and callers ---------------------------------------------------------------------------

AUDITOR_KT = bearer("auditor", "p011", "kt")  # audits any unit but kt
AUDITOR_VP = bearer("auditor", "p005", "vp")
HEAD_KT = bearer("unit_head", "p010", "kt")
HEAD_VP = bearer("unit_head", "p004", "vp")
STAFF_KT = bearer("staff", "p012", "kt")
ADMIN = bearer("admin", "p006", "vp")
CHAIRMAN = bearer("chairman", "p001", "vp")
VICE_KT = bearer("vice_chairman", "p002", "vp", ("kt", "vhxh"))  # of the demo chart
KIOSK = bearer("kiosk", "kiosk-01", "ttphcc")
HR = bearer("integration", "hr-sync")


#: The catalogue the assessment tests audit against: they count its 25 audit items (rows of an
#: export, corrective actions); the current version is tested on its own.
AUDITED_CATALOG = shipped_catalog("2026.1")


def audit_body(unit_id: str = "vhxh", score: int | Callable[[str], int | None] = 3) -> dict:
    return demo.audit_body(unit_id, score, AUDITED_CATALOG)


def plus_body(score: int = 3, period: str | None = None) -> dict:
    return {
        "period": period or this_month(),
        "items": [{"code": code, "score": score} for code in default_catalog().plus_items],
    }
