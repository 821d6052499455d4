"""Task results: the one in force per person and month, and every recording of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import TaskResultRecordedData
from services.assessment.adapters.rows import as_columns, person_month
from services.assessment.adapters.tables import task_result_records, task_results
from services.runtime.db import upsert


async def record(
    session: AsyncSession,
    ward: str,
    data: TaskResultRecordedData,
    recorded_by: str,
    role: str,
    now: datetime,
) -> None:
    """Put ``data`` (a person's month: points, disqualified, source, note) in force, recorded by
    ``recorded_by`` (as ``role``) at ``now``, and keep the recording as it was."""
    values = {
        **as_columns(data, "person_id", "period"),
        "source_id": recorded_by,
        "recorded_at": now,
    }
    statement = upsert(session, task_results).values(
        ward=ward, person_id=data.person_id, period=data.period, **values
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[task_results.c.ward, task_results.c.person_id, task_results.c.period],
            set_=values,
        )
    )
    await session.execute(
        task_result_records.insert().values(
            ward=ward, **as_columns(data), recorded_by=recorded_by, role=role, recorded_at=now
        )
    )


async def history(
    session: AsyncSession, ward: str, person_id: str, period: str
) -> Sequence[Row[Any]]:
    """Every recording of a person's month, oldest first."""
    return (
        await session.execute(
            select(task_result_records)
            .where(person_month(task_result_records, ward, person_id, period))
            .order_by(task_result_records.c.record_id)
        )
    ).all()
