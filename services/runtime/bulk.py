"""Bulk statements that are fast on PostgreSQL and plain on SQLite, each shape built once.

A batch's statement is built once per table (its shape: the derived table its rows or keys are
read from, the ``excluded`` alias, the conflict clause) and each batch passes only its values,
as parameters: on PostgreSQL the rows or keys as one JSON document (``json_to_recordset``: one
text parameter, encoded in C, whatever the batch's size, so the statement is prepared once), on
SQLite as ordinary parameters. Built afresh for every batch, SQLAlchemy's derived tables and
aliases are reference cycles (a column collection and its columns point at each other) that
kept the batch's values alive until the cyclic collector came round. Usage::

    SCORES = Upsert(scores, ("ward", "unit_id", "points"), keys=("ward", "unit_id"),
                    adding=("points",))
    await SCORES.execute(session, [{"ward": w, "unit_id": u, "points": p} for ...])
    OF_WARD = Keyed(select(scores).where(scores.c.ward == bindparam("ward")),
                    (scores.c.unit_id, scores.c.month))
    rows = await OF_WARD.execute(session, [("kt", "2026-01"), ...], ward="binh-dong")
    query = select(table).where(one_of(session, table.c.unit_id, unit_ids))
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    ColumnElement,
    Result,
    Table,
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
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.db import is_postgres


def one_of(session: AsyncSession, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter whatever the
    count, so the statement is compiled once and the batch's hot path stays short."""
    distinct = sorted(set(values))
    if is_postgres(session):
        return column == any_(bindparam(None, distinct, type_=ARRAY(column.type)))
    return column.in_(distinct)


def json_rows(parameter: str, columns: Sequence[Any], name: str) -> Any:
    """PostgreSQL: the rows given as one JSON array of objects in the text parameter
    ``parameter``, named and typed as ``columns`` (``json_to_recordset``): one parameter
    whatever their number, encoded in C, the same statement every time."""
    return (
        func.json_to_recordset(cast(bindparam(parameter, type_=Text), JSON))
        .table_valued(*(column(c.name, c.type) for c in columns))
        .render_derived(name=name, with_types=True)
    )


def json_document(rows: Sequence[dict[str, Any]] | list[Any]) -> str:
    """``rows`` as the JSON text :func:`json_rows` reads: moments (which must carry their zone,
    as ``db.UtcDateTime`` requires) in UTC and days in ISO 8601, ids as text, a JSON column's
    value (a dict or a list) as itself. Raises ``TypeError`` for any other kind of value."""
    return json.dumps(rows, default=_json_value)


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a moment stored in the database must carry a time zone")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no JSON form in a bulk statement")


class Keyed:
    """``query`` restricted to the rows whose ``columns`` equal one of the keys given at
    execution: on PostgreSQL the keys travel as one JSON document joined as rows (planned as an
    index lookup per key), on SQLite as a row-value ``IN``. Each dialect's statement is built the
    first time it is used, then reused: make one per query, at import."""

    def __init__(self, query: Any, columns: Sequence[Any]) -> None:
        self.query = query
        self.columns = tuple(columns)
        self.names = tuple(c.name for c in self.columns)

    async def execute(
        self, session: AsyncSession, keys: Iterable[tuple[Any, ...]], **parameters: Any
    ) -> Result[*tuple[Any, ...]]:
        """The query's rows for ``keys`` (tuples of values in ``columns``' order), with the
        query's own named ``parameters``."""
        wanted = sorted(set(keys))
        if is_postgres(session):
            given = json_document([dict(zip(self.names, key, strict=True)) for key in wanted])
            return await session.execute(self._on_postgres, {"keys": given, **parameters})
        return await session.execute(self._on_sqlite, {"keys": wanted, **parameters})

    @cached_property
    def _on_postgres(self) -> Any:
        wanted = json_rows("keys", self.columns, "wanted")
        return self.query.join(wanted, and_(*(c == wanted.c[c.name] for c in self.columns)))

    @cached_property
    def _on_sqlite(self) -> Any:
        return self.query.where(tuple_(*self.columns).in_(bindparam("keys", expanding=True)))


class Upsert:
    """``INSERT`` of rows, each with the columns ``names``; a row whose ``keys`` are already
    stored adds its columns of ``adding`` to the stored ones and replaces every other column.
    One statement whatever the number of rows; each dialect's built the first time it is
    used, then reused: make one per table, at import."""

    def __init__(
        self,
        table: Table,
        names: Sequence[str],
        keys: Sequence[str],
        adding: Sequence[str] = (),
    ) -> None:
        self.table = table
        self.names = tuple(names)
        self.keys = tuple(keys)
        self.adding = tuple(adding)

    async def execute(self, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
        """Store ``rows`` (dicts with the columns ``names``; JSON columns take their values, not
        their text)."""
        if not rows:
            return
        if is_postgres(session):
            await session.execute(self._on_postgres, {"rows": json_document(rows)})
            return
        await session.execute(self._on_sqlite, list(rows))

    @cached_property
    def _on_postgres(self) -> Any:
        given = json_rows("rows", [self.table.c[n] for n in self.names], "given")
        insert = postgresql.insert(self.table)
        return self._on_conflict(
            insert.from_select(self.names, select(*(given.c[n] for n in self.names)))
        )

    @cached_property
    def _on_sqlite(self) -> Any:
        return self._on_conflict(sqlite.insert(self.table))

    def _on_conflict(self, insert: Any) -> Any:
        stored, new = self.table.c, insert.excluded
        return insert.on_conflict_do_update(
            index_elements=list(self.keys),
            set_={
                n: stored[n] + new[n] if n in self.adding else new[n]
                for n in self.names
                if n not in self.keys
            },
        )
