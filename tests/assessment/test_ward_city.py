"""A ward's administrator names the city the ward belongs to when loading its org chart; the
publication carries the ward's name and city (scoring's roster learns from it which city's
officials may read the ward), the city stays until another load changes or clears it. In-memory
SQLite, a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy import select

from contracts.common import LOCAL_TZ
from contracts.events import OrgChartPublished, parse_event
from contracts.roles import Role
from services.assessment.adapters.tables import metadata, plumbing
from services.assessment.demo.loader import load_org, read_org_chart
from services.assessment.domain.policy import Policy
from services.assessment.handlers.commands import OrgChartUpload, Submissions
from services.runtime.auth import Principal
from services.runtime.clock import FrozenClock
from services.runtime.db import SessionFactory
from services.runtime.uow import in_memory
from tests.conftest import WARD

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=LOCAL_TZ)
ADMIN = Principal("p006", WARD, Role.ADMIN, "vp")


@pytest.fixture
async def sessions() -> AsyncIterator[SessionFactory]:
    async with in_memory(metadata) as sessions:
        await load_org(sessions)
        yield sessions


async def published(sessions: SessionFactory, upload: OrgChartUpload) -> OrgChartPublished:
    """Load the chart; the org chart publication it staged."""
    await Submissions(sessions, Policy(), FrozenClock(NOW)).execute(ADMIN, upload)
    async with sessions() as session:
        payloads = (await session.scalars(select(plumbing.outbox.c.payload))).all()
    event = parse_event(payloads[-1])
    assert isinstance(event, OrgChartPublished)
    return event


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
