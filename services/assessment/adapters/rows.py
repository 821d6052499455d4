"""Row helpers every repository of this service shares."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def locked(
    session: AsyncSession, table: Table, id_column: str, value: uuid.UUID, ward: str
) -> Row[Any] | None:
    """The ward's row of ``table`` with this id, locked for a change (None when there is none)."""
    return (
        await session.execute(
            select(table)
            .where(table.c[id_column] == str(value), table.c.ward == ward)
            .with_for_update()
        )
    ).first()


def person_month(table: Table, ward: str, person_id: str, period: str) -> ColumnElement[bool]:
    """The rows of ``table`` about one person's month (``period``, YYYY-MM) in ``ward``."""
    return and_(table.c.ward == ward, table.c.person_id == person_id, table.c.period == period)


async def counts_by_unit(
    session: AsyncSession,
    table: Table,
    ward: str,
    months: Sequence[str],
    status: str,
    names: tuple[str, str],
) -> dict[str, dict[str, int]]:
    """Per unit, the rows of ``table`` of ``months`` (its ``period`` column): how many (the
    first of ``names``) and how many of them have ``status`` now (the second)."""
    t = table.c
    rows = (
        await session.execute(
            select(
                t.unit_id,
                func.count(),
                func.coalesce(func.sum(case((t.status == status, 1), else_=0)), 0),
            )
            .where(t.ward == ward, t.period.in_(list(months)))
            .group_by(t.unit_id)
        )
    ).all()
    every, some = names
    return {row[0]: {every: int(row[1]), some: int(row[2])} for row in rows}
