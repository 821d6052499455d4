"""The period reports kept to mail to the ward committee, and their mails."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import InlineReportFile, PeriodReportIssuedData, ReportFile
from services.notifications.adapters.tables import (
    org_people,
    org_versions,
    period_reports,
    report_mails,
)
from services.runtime.db import upsert

#: A file as ``period_reports.files`` holds it: named in the bucket, or (from a version 1 event)
#: its bytes in base64, read back through JSON so they are decoded.
STORED_FILE: TypeAdapter[ReportFile | InlineReportFile] = TypeAdapter(ReportFile | InlineReportFile)


async def keep(
    session: AsyncSession, ward: str, report: PeriodReportIssuedData, now: datetime
) -> None:
    """Keep the report's title and the names of its files in the REPORTS bucket (a version 1
    event's files themselves, which no bucket holds), unless this revision of the ward's report
    of that period is kept already."""
    await session.execute(
        upsert(session, period_reports)
        .values(
            ward=ward,
            period=report.period,
            revision=report.revision,
            title_vi=report.title.vi,
            title_en=report.title.en,
            files=[f.model_dump(mode="json") for f in report.files],
            issued_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=[
                period_reports.c.ward,
                period_reports.c.period,
                period_reports.c.revision,
            ]
        )
    )


async def queue_mails(
    session: AsyncSession,
    ward: str,
    report: PeriodReportIssuedData,
    recipients: Sequence[str],
    at: datetime,
) -> int:
    """Queue the report's mail (this revision) to each of ``recipients`` who has none queued
    yet, to go at ``at``; how many were queued."""
    queued, m = 0, report_mails
    for person_id in recipients:
        taken = await session.execute(
            upsert(session, m)
            .values(
                ward=ward,
                period=report.period,
                revision=report.revision,
                recipient_id=person_id,
                status="pending",
                attempts=0,
                send_after=at,
            )
            .on_conflict_do_nothing(
                index_elements=[m.c.ward, m.c.period, m.c.revision, m.c.recipient_id]
            )
            .returning(m.c.recipient_id)
        )
        queued += taken.first() is not None
    return queued


async def mail_to_send(session: AsyncSession, key: dict[str, Any]) -> Any:
    """A claimed report mail with what it needs: the recipient's name and address as the chart
    gives them now (None when they left it), the report's title and revision, its files as the
    event named them (``ReportFile``: fetched from the bucket when sent) and the ward's name."""
    m, r, p, v = report_mails, period_reports, org_people, org_versions
    row = (
        await session.execute(
            select(
                m, r.c.title_vi, r.c.title_en, r.c.files, p.c.full_name, p.c.email, v.c.ward_name
            )
            .join(
                r,
                and_(r.c.ward == m.c.ward, r.c.period == m.c.period, r.c.revision == m.c.revision),
            )
            .outerjoin(p, and_(p.c.ward == m.c.ward, p.c.person_id == m.c.recipient_id))
            .outerjoin(v, v.c.ward == m.c.ward)
            .where(*(m.c[name] == value for name, value in key.items()))
        )
    ).one()
    values = dict(row._mapping)
    values["files"] = tuple(STORED_FILE.validate_json(json.dumps(f)) for f in row.files)
    return SimpleNamespace(**values)
