"""The migration that moves the committee's report files to the REPORTS bucket keeps what the
previous release had queued: its report as revision 1 with the files it held inline, its
mails waiting as revision 1, sent with those files (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from services.notifications.adapters import reports
from services.notifications.bootstrap import MIGRATIONS
from services.notifications.handlers.report_mail import fetch_files
from services.runtime.db import SessionFactory
from services.runtime.migrations import alembic_config

BEFORE = "81b86ed29ea5"  # the report's files kept in report_files
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(fixture))


async def test_a_mail_queued_before_the_bucket_goes_out_with_its_files(url: str) -> None:
    config = alembic_config(MIGRATIONS, url)
    await asyncio.to_thread(command.upgrade, config, BEFORE)
    engine = create_async_engine(url)
    at = datetime(2026, 11, 30, 2, tzinfo=UTC)
    async with engine.begin() as c:
        await c.execute(
            text("INSERT INTO period_reports VALUES ('binh-dong', '2026-10', 'Báo cáo', 'R', :at)"),
            {"at": at},
        )
        for name, media, content in (
            ("b.xlsx", XLSX, b"PK"),
            ("b.pdf", "application/pdf", b"%PDF"),
        ):
            await c.execute(
                text("INSERT INTO report_files VALUES ('binh-dong', '2026-10', :n, :m, :c)"),
                {"n": name, "m": media, "c": content},
            )
        await c.execute(
            text(
                "INSERT INTO report_mails (ward, period, recipient_id, status, attempts, "
                "send_after) VALUES ('binh-dong', '2026-10', 'p001', 'pending', 0, :at)"
            ),
            {"at": at},
        )
    await asyncio.to_thread(command.upgrade, config, "head")
    try:
        sessions: SessionFactory = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session:
            key = {"ward": "binh-dong", "period": "2026-10", "revision": 1, "recipient_id": "p001"}
            row = await reports.mail_to_send(session, key)
        assert (row.status, row.title_vi, row.send_after) == ("pending", "Báo cáo", at)
        attached = await fetch_files(None, row.files)  # inline: no bucket needed
        assert [(a.name, a.content) for a in attached] == [("b.pdf", b"%PDF"), ("b.xlsx", b"PK")]
    finally:
        await engine.dispose()
