"""A ward's administrator names the city the ward belongs to when loading its org chart; the
publication carries the ward's name and city (scoring's roster learns from it which city's
officials may read the ward), the city stays until another load changes or clears it. In-memory
SQLite, a frozen clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import jwt
import pytest
from sqlalchemy import select

from contracts.common import LOCAL_TZ
from contracts.events import OrgChartPublished, parse_event
from contracts.roles import Role
from services.assessment.adapters.tables import plumbing
from services.assessment.demo.loader import (
    CITY_OFFICER,
    DEMO_CITY,
    WARD_NAME,
    principals,
    read_org_chart,
    write_tokens,
)
from services.assessment.domain.policy import Policy
from services.assessment.entrypoints.keys import Issuer
from services.assessment.handlers.commands import OrgChartUpload, Submissions
from services.runtime.auth import Principal
from services.runtime.clock import FrozenClock
from services.runtime.db import SessionFactory
from tests.conftest import WARD
from tests.support.keys import session_keys

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=LOCAL_TZ)
ADMIN = Principal("p006", WARD, Role.ADMIN, "vp")


@pytest.fixture
def sessions(demo_sessions: SessionFactory) -> SessionFactory:
    return demo_sessions


async def published(sessions: SessionFactory, upload: OrgChartUpload) -> OrgChartPublished:
    """Load the chart; the org chart publication it staged."""
    await Submissions(sessions, Policy(), FrozenClock(NOW)).execute(ADMIN, upload)
    async with sessions() as session:
        payloads = (await session.scalars(select(plumbing.outbox.c.payload))).all()
    # The last chart published (its load's record as an administrator's action follows it).
    charts = [e for e in map(parse_event, payloads) if isinstance(e, OrgChartPublished)]
    return charts[-1]


async def test_the_chart_names_the_ward_s_city_until_a_load_changes_it(
    sessions: SessionFactory,
) -> None:
    rows = tuple(read_org_chart()[0])
    named = await published(
        sessions, OrgChartUpload(ward_name="Phường Bình Đông", rows=rows, city="hcmc")
    )
    assert (named.data.ward_name, named.data.city) == ("Phường Bình Đông", "hcmc")
    kept = await published(sessions, OrgChartUpload(rows=rows))
    assert (kept.data.ward_name, kept.data.city) == ("Phường Bình Đông", "hcmc")
    assert kept.data.version == named.data.version + 1
    moved = await published(sessions, OrgChartUpload(rows=rows, city="thu-duc"))
    assert moved.data.city == "thu-duc"
    cleared = await published(sessions, OrgChartUpload(rows=rows, city=""))
    assert cleared.data.city is None


async def test_the_demo_ward_is_in_the_demo_city_whose_official_has_a_demo_token(
    sessions: SessionFactory, tmp_path: Path
) -> None:
    async with sessions() as session:
        payloads = (await session.scalars(select(plumbing.outbox.c.payload))).all()
    charts = [e for e in map(parse_event, payloads) if isinstance(e, OrgChartPublished)]
    assert (charts[-1].data.ward_name, charts[-1].data.city) == (WARD_NAME, DEMO_CITY)
    issuer = Issuer(session_keys().ring, timedelta(hours=1), timedelta(days=1))
    rows, devices = read_org_chart()
    write_tokens(tmp_path / "tokens.json", issuer, [*principals(rows, devices), CITY_OFFICER], rows)
    entries = json.loads((tmp_path / "tokens.json").read_text("utf-8"))
    (city,) = [e for e in entries if e["role"] == "city"]
    claims = jwt.decode(city["token"], options={"verify_signature": False})
    assert (claims["role"], claims["city"], claims["ward"]) == ("city", DEMO_CITY, "")
