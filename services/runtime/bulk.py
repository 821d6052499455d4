"""Bulk statements that are fast on PostgreSQL and plain on SQLite, written once.

On PostgreSQL a batch's values travel as one array per column (``= ANY(array)``, ``unnest``):
one parameter per column whatever the batch's size, so a statement is compiled once and
planned as index lookups; on SQLite the same statements take ordinary parameters. Usage::

    rows = [{"ward": w, "unit_id": u, "points": p} for ...]
    statement = insert_rows(session, table, rows).on_conflict_do_nothing()
    await execute_rows(session, statement, rows)
    await upsert_replacing(session, table, rows, keys=("ward", "unit_id"))
    query = select(table).where(one_of(session, table.c.unit_id, unit_ids))
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    column,
    func,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.db import is_postgres, upsert


def one_of(session: AsyncSession, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter whatever the
    count, so the statement is compiled once and the batch's hot path stays short."""
    distinct = sorted(set(values))
    if is_postgres(session):
        return column == any_(bindparam(None, distinct, type_=ARRAY(column.type)))
    return column.in_(distinct)


def keyed(
    session: AsyncSession, query: Any, columns: Sequence[Any], keys: Iterable[tuple[Any, ...]]
) -> Any:
    """``query`` restricted to the rows whose ``columns`` equal one of ``keys``.

    On PostgreSQL the keys travel as one array per column, joined with ``unnest``: one
    parameter each whatever the count, so the statement is compiled once and planned as an
    index lookup per key. Elsewhere a row-value ``IN``.
    """
    keys = sorted(set(keys))
    if not is_postgres(session):
        return query.where(tuple_(*columns).in_(keys))
    names = [f"k{i}" for i in range(len(columns))]
    arrays = [
        bindparam(None, [key[i] for key in keys], type_=ARRAY(column.type))
        for i, column in enumerate(columns)
    ]
    wanted = func.unnest(*arrays).table_valued(*names).render_derived(name="wanted")
    return query.join(
        wanted,
        and_(*(column == wanted.c[name] for column, name in zip(columns, names, strict=True))),
    )


def unnested(table: Any, rows: Sequence[Mapping[str, object]]) -> Any:
    """PostgreSQL: the rows as one array per column, unnested back into rows.

    A batch of any size is then one statement with a parameter per column, compiled once,
    instead of parameters built and bound for every row. JSON travels as text and is cast.
    """
    names = list(rows[0])
    arrays = []
    for name in names:
        column = table.c[name]
        values = [row[name] for row in rows]
        if isinstance(column.type, JSON):
            texts = [v if isinstance(v, str) else json.dumps(v) for v in values]
            arrays.append(bindparam(None, texts, type_=ARRAY(Text)))
        else:
            arrays.append(bindparam(None, values, type_=ARRAY(column.type)))
    given = func.unnest(*arrays).table_valued(*names).render_derived(name="given")
    return names, select(
        *(
            cast(given.c[name], JSON) if isinstance(table.c[name].type, JSON) else given.c[name]
            for name in names
        )
    )


def json_rows(parameter: str, columns: Sequence[Any], name: str) -> Any:
    """PostgreSQL: the rows given as one JSON array of objects in the text parameter
    ``parameter``, named and typed as ``columns`` (``json_to_recordset``): one parameter
    whatever their number, encoded in C, the same statement every time."""
    return (
        func.json_to_recordset(cast(bindparam(parameter, type_=Text), JSON))
        .table_valued(*(column(c.name, c.type) for c in columns))
        .render_derived(name=name, with_types=True)
    )


def insert_rows(session: AsyncSession, table: Any, rows: Sequence[Mapping[str, object]]) -> Any:
    """An INSERT of ``rows`` (all with the same keys, at least one) that takes
    ``on_conflict_do_nothing/do_update``; execute it with :func:`execute_rows`."""
    statement = upsert(session, table)
    if is_postgres(session):
        names, source = unnested(table, rows)
        return statement.from_select(names, source)
    return statement


async def execute_rows(
    session: AsyncSession, statement: Any, rows: Sequence[Mapping[str, object]]
) -> Any:
    """Execute a statement from :func:`insert_rows` (extended as needed) for ``rows``."""
    if is_postgres(session):
        return await session.execute(statement)  # the rows are in the statement's arrays
    return await session.execute(statement, list(rows))


async def upsert_replacing(
    session: AsyncSession, table: object, rows: list[dict[str, object]], keys: tuple[str, ...]
) -> None:
    """Insert ``rows``; a row whose ``keys`` are already there replaces that row's other
    columns."""
    if not rows:
        return
    statement = insert_rows(session, table, rows)
    excluded = statement.excluded
    await execute_rows(
        session,
        statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: excluded[name] for name in rows[0] if name not in keys},
        ),
        rows,
    )
