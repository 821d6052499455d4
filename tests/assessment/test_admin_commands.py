"""The administrators' commands (catalogue, org chart, devices) go through the same command
pipeline as every submission: roles, the first answer again for a retry with the same key, and
a status that says whether a catalogue version was new. In-memory SQLite, a frozen clock."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Table, func, select

from contracts.catalog import shipped_catalog, shipped_versions
from contracts.common import LOCAL_TZ, Text
from contracts.roles import Role
from services.assessment.adapters.tables import catalogs, devices, plumbing
from services.assessment.demo.loader import read_org_chart
from services.assessment.domain.org import DeviceRow
from services.assessment.domain.policy import Policy
from services.assessment.handlers.commands import (
    CatalogPublication,
    DeviceRegistration,
    OrgChartUpload,
    Submissions,
)
from services.runtime.auth import Principal
from services.runtime.clock import FrozenClock
from services.runtime.db import SessionFactory
from services.runtime.refusals import Refusal
from tests.conftest import WARD

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=LOCAL_TZ)
ADMIN = Principal("p006", WARD, Role.ADMIN, "vp")
HEAD_KT = Principal("p010", WARD, Role.UNIT_HEAD, "kt")


@pytest.fixture
def sessions(demo_sessions: SessionFactory) -> SessionFactory:
    return demo_sessions


def commands(sessions: SessionFactory) -> Submissions:
    return Submissions(sessions, Policy(), FrozenClock(NOW))


async def count(sessions: SessionFactory, table: Table) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_new_catalogue_version_is_201_a_stored_one_200_and_a_retry_the_first(
    sessions: SessionFactory,
) -> None:
    catalog = shipped_catalog("2026.1")
    stored = CatalogPublication(catalog=catalog)
    newer = CatalogPublication(catalog=catalog.model_copy(update={"version": "2027.1"}))
    run = commands(sessions)

    assert await run.execute(ADMIN, stored) == (200, {"version": "2026.1", "created": False})
    assert await run.execute(ADMIN, newer, "k-1") == (201, {"version": "2027.1", "created": True})
    assert await run.execute(ADMIN, newer, "k-1") == (201, {"version": "2027.1", "created": True})
    assert await run.execute(ADMIN, newer) == (200, {"version": "2027.1", "created": False})
    assert await count(sessions, catalogs) == len(shipped_versions()) + 1


async def test_only_administrators_load_an_org_chart_and_a_retry_loads_nothing(
    sessions: SessionFactory,
) -> None:
    rows, _ = read_org_chart()
    upload = OrgChartUpload(ward_name="Phường Bình Đông", rows=tuple(rows))
    run = commands(sessions)
    with pytest.raises(Refusal) as refused:
        await run.execute(HEAD_KT, upload)
    assert (refused.value.status, refused.value.code) == (403, "forbidden")

    before = await count(sessions, plumbing.outbox)
    first = await run.execute(ADMIN, upload, "chart-1")
    assert first == (200, {"org_version": 2, "people": len(rows)})
    assert await run.execute(ADMIN, upload, "chart-1") == first
    # One org chart published (and its load recorded), not two.
    assert await count(sessions, plumbing.outbox) == before + 2


async def test_a_device_is_registered_through_the_pipeline(sessions: SessionFactory) -> None:
    device = DeviceRow("qr-kt-3", Role.KIOSK, "kt", Text(vi="Mã QR", en="QR code"), "qr")
    before = await count(sessions, devices)
    status, answer = await commands(sessions).execute(ADMIN, DeviceRegistration(device=device))
    # A new device is issued a credential, whose token the HTTP edge mints.
    assert status == 200 and answer["device_id"] == "qr-kt-3" and answer["credential_id"]
    assert await count(sessions, devices) == before + 1
