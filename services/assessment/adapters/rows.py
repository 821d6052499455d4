"""Row helpers every repository of this service shares."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Column, ColumnElement, Row, Table, and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import Contract

C = TypeVar("C", bound=Contract)


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


def _key(table: Table) -> Column[Any]:
    (column,) = table.primary_key.columns
    return column


async def add(session: AsyncSession, table: Table, key: uuid.UUID | str, **values: Any) -> None:
    """Insert the row of ``table`` whose one-column primary key is ``key``, with ``values``."""
    await session.execute(table.insert().values({_key(table).name: str(key), **values}))


def as_columns(values: Mapping[str, Any] | Contract, *leave_out: str) -> dict[str, Any]:
    """``values`` (a mapping, or a contract's fields by name, nested models kept) as a row's
    columns: ids (``uuid.UUID``) as the text the tables keep, ``leave_out`` left out (fields no
    column holds)."""
    pairs = values.items() if isinstance(values, Mapping) else iter(values)
    return {
        name: str(value) if isinstance(value, uuid.UUID) else value
        for name, value in pairs
        if name not in leave_out
    }


async def add_described(
    session: AsyncSession, table: Table, data: Contract | Mapping[str, Any], **values: Any
) -> None:
    """Insert the row of ``table`` that an event's ``data`` announces: ``data``'s fields (each
    named as its column; :func:`as_columns`, which also leaves out fields no column holds),
    plus ``values``, the columns the event leaves out (the ward, times, status, what stays in
    this service)."""
    await session.execute(table.insert().values({**as_columns(data), **values}))


def described_by(model: type[C], row: Row[Any], **values: Any) -> C:
    """The event data ``model`` about the thing ``row`` stores (what :func:`add_described`
    stored, read back, or what an event about a change of it names): each field from
    ``values`` when given there, else from its column (ids parsed back from text). What the
    change sets (who, why, the new state) goes in ``values``: a column still holds what it was
    before. Raises ``pydantic.ValidationError`` when a field has neither."""
    columns = row._mapping
    stored = {name: columns[name] for name in model.model_fields if name in columns}
    return model.model_validate({**stored, **values})


async def change(session: AsyncSession, table: Table, key: uuid.UUID | str, **values: Any) -> None:
    """Set ``values`` on the row of ``table`` whose one-column primary key is ``key``."""
    await session.execute(update(table).where(_key(table) == str(key)).values(**values))


def closing(by: str, note: str, evidence: Sequence[str], now: datetime) -> dict[str, Any]:
    """The columns of a corrective action or a review's follow-up closed with a note and
    evidence, by ``by`` at ``now``."""
    return {
        "status": "closed",
        "closed_at": now,
        "closed_by": by,
        "note": note,
        "evidence": list(evidence),
    }


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
