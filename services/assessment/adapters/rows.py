"""Row helpers every repository of this service shares."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, and_, select
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
