"""Written once in the runtime: which database is in use, the upsert and bulk statements (here
on SQLite; the PostgreSQL path runs in the scoring and consumer tests), settings of a service
from shared ones, the production check of demo secrets, and a runtime without a database."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Column, Integer, String, Table, select
from sqlalchemy.ext.asyncio import create_async_engine

from services.notifications.settings import NotificationsSettings
from services.runtime.bulk import Keyed, Upsert, one_of
from services.runtime.db import (
    dialect_name,
    is_postgres,
    is_sqlite,
    new_metadata,
    transaction,
    upsert,
)
from services.runtime.service import Runtime
from services.runtime.settings import ServiceSettings, own_settings
from services.runtime.uow import in_memory
from tests.support.keys import session_keys

metadata = new_metadata()
scores = Table(
    "scores",
    metadata,
    Column("ward", String(20), primary_key=True),
    Column("unit_id", String(20), primary_key=True),
    Column("points", Integer, nullable=False),
)


def test_the_database_kind_from_a_url_an_engine_or_a_session() -> None:
    assert dialect_name("postgresql+asyncpg://u@h/assessment") == "postgresql"
    assert is_postgres("postgresql+asyncpg://u@h/assessment")
    assert is_sqlite("sqlite+aiosqlite:///var/assessment.db")
    assert not is_sqlite("postgresql+asyncpg://u@h/sqlite")
    engine = create_async_engine("sqlite+aiosqlite://")
    assert is_sqlite(engine) and not is_postgres(engine)


async def test_bulk_upsert_and_lookups_on_sqlite() -> None:
    async with in_memory(metadata) as sessions:
        async with transaction(sessions) as session:
            assert is_sqlite(session)
            replacing = Upsert(scores, ("ward", "unit_id", "points"), keys=("ward", "unit_id"))
            adding = Upsert(scores, ("ward", "unit_id", "points"), ("ward", "unit_id"), ("points",))
            await replacing.execute(
                session,
                [{"ward": "bd", "unit_id": u, "points": p} for u, p in (("kt", 1), ("vp", 2))],
            )
            await replacing.execute(
                session,
                [
                    {"ward": "bd", "unit_id": "kt", "points": 7},
                    {"ward": "bd", "unit_id": "cs", "points": 1},
                ],
            )
            await adding.execute(session, [{"ward": "bd", "unit_id": "cs", "points": 2}])
            skipped = upsert(session, scores).values(ward="bd", unit_id="vp", points=99)
            await session.execute(skipped.on_conflict_do_nothing())
        async with sessions() as session:
            wanted = select(scores.c.unit_id, scores.c.points).where(
                one_of(session, scores.c.unit_id, ["kt", "vp", "kt", "cs"])
            )
            found_points = sorted((await session.execute(wanted)).all())
            assert found_points == [("cs", 3), ("kt", 7), ("vp", 2)]  # cs: 1, then 2 added
            pairs = Keyed(
                select(scores.c.unit_id).order_by(scores.c.unit_id),
                (scores.c.ward, scores.c.unit_id),
            )
            found = await pairs.execute(session, [("bd", "cs"), ("bd", "vp"), ("other", "kt")])
            assert found.scalars().all() == ["cs", "vp"]
            assert (await pairs.execute(session, [])).all() == []


def test_a_service_takes_its_own_settings_from_shared_ones() -> None:
    shared = ServiceSettings(service="notifications", http_port=8003, relay_batch=7)
    own = own_settings(NotificationsSettings, shared, lambda: pytest.fail("not loaded"))
    assert isinstance(own, NotificationsSettings)
    assert (own.relay_batch, own.http_port, own.tick_s) == (7, 8003, 5.0)
    assert own_settings(NotificationsSettings, own, lambda: pytest.fail("not loaded")) is own
    loaded = NotificationsSettings(service="notifications", http_port=1)
    assert own_settings(NotificationsSettings, None, lambda: loaded) is loaded


def test_production_refuses_every_demo_secret_by_name() -> None:
    strong = SecretStr("a-secret-of-our-own-that-is-long-enough")
    settings = NotificationsSettings(service="notifications", http_port=1, environment="production")
    with pytest.raises(SystemExit, match="WARD5S_NOTIFICATIONS_SIGNING_SECRET"):
        settings.model_copy(update={"sign_in_mail_key": strong}).check_production()
    with pytest.raises(SystemExit, match="WARD5S_SIGN_IN_MAIL_KEY"):
        settings.model_copy(update={"signing_secret": strong}).check_production()
    both = {"signing_secret": strong, "sign_in_mail_key": strong}
    settings.model_copy(update=both).check_production()  # no exit


async def test_a_runtime_without_a_database_serves_health_and_checks_only_the_bus() -> None:
    runtime = Runtime(ServiceSettings(service="web", http_port=8000, **session_keys().settings()))
    assert not runtime.has_database
    with pytest.raises(RuntimeError, match="web was built without a database"):
        _ = runtime.sessions
    await runtime.migrate()  # nothing to migrate
    app = runtime.http_app(title="web", description="front-end", routers=[])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/healthz")).json() == {"status": "ok", "service": "web"}
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["problems"] == ["bus: ConnectionError"]
