"""Each audit's and each self-assessment review's record: its newest version, what it
contributes, and the event that brought it (read, then written back, under the ward's lock).

Both kinds are stored the same way: a row per (ward, document id) holding the record's fields in
columns of the same names, its sums as JSON, and the id of the event that brought it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, Generic, TypeVar

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.bulk import Keyed, Upsert
from services.scoring.adapters.tables import audit_records, review_records
from services.scoring.domain.aggregates import PillarSums
from services.scoring.domain.audits import AuditRecord
from services.scoring.domain.reviews import ReviewRecord

AuditKey = tuple[str, str]  # ward, audit id
ReviewKey = tuple[str, str]  # ward, self-assessment id

Record = TypeVar("Record", AuditRecord, ReviewRecord)


@dataclass(frozen=True, eq=False)
class _Stored(Generic[Record]):
    """Where one kind of record is kept: its table, the document id's column, the record type
    (a dataclass whose last field is ``sums``, every other field a column)."""

    table: Table
    id_column: str
    record: type[Record]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self.record) if f.name != "sums")

    @cached_property
    def lookup(self) -> Keyed:
        """The stored rows of given (ward, document id)s: the keys, the fields in column
        order, then the sums."""
        t = self.table
        keys = (t.c.ward, t.c[self.id_column])
        return Keyed(select(*keys, *(t.c[name] for name in self.names), t.c.sums), keys)

    @cached_property
    def upsert(self) -> Upsert:
        """A document's row replaced by its newest record's."""
        names = ("ward", self.id_column, *self.names, "sums", "event_id")
        return Upsert(self.table, names, keys=("ward", self.id_column))


AUDITS = _Stored(audit_records, "audit_id", AuditRecord)
REVIEWS = _Stored(review_records, "self_assessment_id", ReviewRecord)


async def load(
    session: AsyncSession, stored: _Stored[Record], keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Record]:
    """The stored record of each (ward, document id) of ``keys`` there is one for
    (``stored``: :data:`AUDITS` or :data:`REVIEWS`)."""
    keys = list(keys)
    if not keys:
        return {}
    make: Any = stored.record  # the fields in column order, then the sums
    rows = await stored.lookup.execute(session, keys)
    return {(r[0], r[1]): make(*r[2:-1], sums_from_json(r[-1])) for r in rows}


async def save(
    session: AsyncSession,
    stored: _Stored[Record],
    records: Mapping[tuple[str, str], tuple[Record, str]],
) -> None:
    """Store each document's newest record with the id of the event that brought it: one
    statement whatever their number (on PostgreSQL the rows travel as one JSON document, where
    an array per column had asyncpg check and encode every element in Python: eight columns,
    for every audit of every batch)."""
    await stored.upsert.execute(
        session, [_row(stored, key, *value) for key, value in sorted(records.items())]
    )


def _row(
    stored: _Stored[Record], key: tuple[str, str], record: Record, event_id: str
) -> dict[str, Any]:
    # The record's fields are the row's columns (a copy of its attributes is the cheapest way
    # there: this runs for every audit of every batch); its sums go in as their JSON.
    return {
        **vars(record),
        "ward": key[0],
        stored.id_column: key[1],
        "sums": _sums_to_json(record.sums),
        "event_id": event_id,
    }


def _sums_to_json(sums: Mapping[str, PillarSums]) -> dict[str, list[int]]:
    return {p: [s.points, s.max_points, s.scored, s.not_applicable] for p, s in sums.items()}


def sums_from_json(raw: Mapping[str, list[int]]) -> dict[str, PillarSums]:
    """A record's sums as the store keeps them (``{pillar: [points, max points, scored, N/A]}``)."""
    return {p: PillarSums(*values) for p, values in raw.items()}
