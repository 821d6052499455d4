"""What is true now of each submission (``records``) and the deadlines watched from it
(``expectations``). Every function works inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.adapters.alerts import of_cause
from services.notifications.adapters.tables import expectations, records
from services.notifications.domain import rules
from services.notifications.domain.obligations import Record
from services.runtime.db import all_rows, batch_for_one, from_row, upsert

#: How many missed deadlines one pass alerts; the next pass takes the rest.
BATCH = 1000


def _record_key(ward: str, kind: str, record_id: str) -> tuple[Any, ...]:
    return (records.c.ward == ward, records.c.kind == kind, records.c.record_id == record_id)


async def lock_record(session: AsyncSession, ward: str, kind: str, record_id: str) -> Record | None:
    """The kept state of one submission, locked until the transaction ends; None if none."""
    row = (
        await session.execute(
            select(records).where(*_record_key(ward, kind, record_id)).with_for_update()
        )
    ).first()
    return None if row is None else from_row(Record, row)


async def save_record(session: AsyncSession, ward: str, record: Record, new: bool) -> None:
    """Keep ``record`` (inserted when ``new``, else in place of the state kept)."""
    values = {
        "subject_id": record.subject_id,
        "period": record.period,
        "unit_id": record.unit_id,
        "status": record.status,
        "revision": record.revision,
        "as_of": record.as_of,
        "details": dict(record.details),
    }
    if new:
        await session.execute(
            records.insert().values(
                ward=ward, kind=record.kind, record_id=record.record_id, **values
            )
        )
    else:
        key = _record_key(ward, record.kind, record.record_id)
        await session.execute(update(records).where(*key).values(**values))


async def record_details(
    session: AsyncSession, ward: str, kind: str, record_id: str
) -> dict[str, Any]:
    """The details kept of one submission; empty if none is kept."""
    known = await session.scalar(
        select(records.c.details).where(*_record_key(ward, kind, record_id))
    )
    return dict(known or {})


async def count_with_status(
    session: AsyncSession, ward: str, kind: str, subject_id: str, period: str, status: str
) -> int:
    """How many submissions of ``kind`` about a subject in a period now have ``status``."""
    count = await session.scalar(
        select(func.count()).where(
            records.c.ward == ward,
            records.c.kind == kind,
            records.c.subject_id == subject_id,
            records.c.period == period,
            records.c.status == status,
        )
    )
    return count or 0


def _key(ward: str, rule: str, subject_id: str, period: str) -> tuple[Any, ...]:
    return of_cause(expectations, ward, rule, subject_id, period)


async def lock_expectation(
    session: AsyncSession, ward: str, rule: str, subject_id: str, period: str
) -> Any:
    """The watched deadline's row, locked until the transaction ends; None if not watched."""
    key = _key(ward, rule, subject_id, period)
    return (await session.execute(select(expectations).where(*key).with_for_update())).first()


async def add_expectation(
    session: AsyncSession, ward: str, rule: str, subject_id: str, period: str, **values: Any
) -> None:
    await session.execute(
        expectations.insert().values(
            ward=ward, rule=rule, subject_id=subject_id, period=period, **values
        )
    )


async def change_expectation(
    session: AsyncSession, ward: str, rule: str, subject_id: str, period: str, **values: Any
) -> None:
    key = _key(ward, rule, subject_id, period)
    await session.execute(update(expectations).where(*key).values(**values))


async def watch(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Watch deadlines; one already watched keeps its deadline, one met before it was watched
    (no ``due_at``) gets it."""
    if not rows:
        return
    statement = upsert(session, expectations)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[
                expectations.c.ward,
                expectations.c.rule,
                expectations.c.subject_id,
                expectations.c.period,
            ],
            set_={
                "unit_id": statement.excluded.unit_id,
                "person_id": statement.excluded.person_id,
                "due_at": statement.excluded.due_at,
                "details": statement.excluded.details,
            },
            where=expectations.c.due_at.is_(None),
        ),
        list(rows),
    )


async def missed(session: AsyncSession, now: datetime) -> list[Any]:
    """Deadlines past at ``now``, not met and not yet alerted, oldest first, locked."""
    return await all_rows(
        session,
        batch_for_one(
            select(expectations).where(
                expectations.c.due_at <= now,
                expectations.c.met_at.is_(None),
                expectations.c.raised_at.is_(None),
            ),
            expectations.c.due_at,
            BATCH,
        ),
    )


async def not_yet_alerted(session: AsyncSession, ward: str) -> list[Any]:
    """The ward's watched deadlines not alerted yet."""
    return await all_rows(
        session,
        select(expectations).where(
            expectations.c.ward == ward,
            expectations.c.due_at.is_not(None),
            expectations.c.raised_at.is_(None),
        ),
    )


async def overdue_reviews(session: AsyncSession) -> list[tuple[str, str, int]]:
    """(ward, unit, count) of reviews alerted as overdue and still not done."""
    rows = await session.execute(
        select(expectations.c.ward, expectations.c.unit_id, func.count())
        .where(
            expectations.c.rule == rules.REVIEW_OVERDUE,
            expectations.c.raised_at.is_not(None),
            expectations.c.met_at.is_(None),
        )
        .group_by(expectations.c.ward, expectations.c.unit_id)
    )
    return [(r[0], r[1], r[2]) for r in rows]
