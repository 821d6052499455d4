"""The period reports kept to mail to the ward committee, and their mails."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import PeriodReportIssuedData
from services.notifications.adapters.tables import (
    org_people,
    org_versions,
    period_reports,
    report_files,
    report_mails,
)
from services.notifications.domain.mail import Attachment
from services.runtime.db import upsert


async def keep(
    session: AsyncSession, ward: str, report: PeriodReportIssuedData, now: datetime
) -> None:
    """Keep the report's title and files, unless the ward's report of that period is kept
    already (the first one issued is the one mailed)."""
    taken = await session.execute(
        upsert(session, period_reports)
        .values(
            ward=ward,
            period=report.period,
            title_vi=report.title.vi,
            title_en=report.title.en,
            issued_at=now,
        )
        .on_conflict_do_nothing(index_elements=[period_reports.c.ward, period_reports.c.period])
        .returning(period_reports.c.period)
    )
    if taken.first() is None:
        return
    await session.execute(
        report_files.insert(),
        [
            {
                "ward": ward,
                "period": report.period,
                "name": f.name,
                "media_type": f.media_type,
                "content": f.content,
            }
            for f in report.files
        ],
    )


async def queue_mails(
    session: AsyncSession, ward: str, period: str, recipients: Sequence[str], at: datetime
) -> int:
    """Queue the report's mail to each of ``recipients`` who has none queued yet, to go at
    ``at``; how many were queued."""
    queued, m = 0, report_mails
    for person_id in recipients:
        taken = await session.execute(
            upsert(session, m)
            .values(
                ward=ward,
                period=period,
                recipient_id=person_id,
                status="pending",
                attempts=0,
                send_after=at,
            )
            .on_conflict_do_nothing(index_elements=[m.c.ward, m.c.period, m.c.recipient_id])
            .returning(m.c.recipient_id)
        )
        queued += taken.first() is not None
    return queued


async def mail_to_send(session: AsyncSession, key: dict[str, Any]) -> Any:
    """A claimed report mail with what it needs: the recipient's name and address as the chart
    gives them now (None when they left it), the report's title, its files as attachments and
    the ward's name."""
    m, r, p, v = report_mails, period_reports, org_people, org_versions
    row = (
        await session.execute(
            select(m, r.c.title_vi, r.c.title_en, p.c.full_name, p.c.email, v.c.ward_name)
            .join(r, and_(r.c.ward == m.c.ward, r.c.period == m.c.period))
            .outerjoin(p, and_(p.c.ward == m.c.ward, p.c.person_id == m.c.recipient_id))
            .outerjoin(v, v.c.ward == m.c.ward)
            .where(*(m.c[name] == value for name, value in key.items()))
        )
    ).one()
    files = await session.execute(
        select(report_files.c.name, report_files.c.media_type, report_files.c.content)
        .where(report_files.c.ward == row.ward, report_files.c.period == row.period)
        .order_by(report_files.c.name.desc())  # the PDF first, then the workbook
    )
    return SimpleNamespace(
        **row._mapping, files=tuple(Attachment(f.name, f.media_type, f.content) for f in files)
    )
