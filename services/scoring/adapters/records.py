"""Each audit's and each self-assessment review's record: its newest version, what it
contributes, and the event that brought it (read, then written back, under the ward's lock).

Both kinds are stored the same way: a row per (ward, document id) holding the record's fields in
columns of the same names, its sums as JSON, and the id of the event that brought it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.bulk import keyed, upsert_replacing
from services.runtime.db import is_postgres
from services.scoring.adapters.tables import audit_records, review_records
from services.scoring.domain.aggregates import PillarSums, flatten, sums_json_text
from services.scoring.domain.audits import AuditRecord
from services.scoring.domain.reviews import ReviewRecord

AuditKey = tuple[str, str]  # ward, audit id
ReviewKey = tuple[str, str]  # ward, self-assessment id

Record = TypeVar("Record", AuditRecord, ReviewRecord)


@dataclass(frozen=True)
class _Stored(Generic[Record]):
    """Where one kind of record is kept: its table, the document id's column, the record type
    (a dataclass whose last field is ``sums``, every other field a column)."""

    table: Table
    id_column: str
    record: type[Record]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self.record) if f.name != "sums")


AUDITS = _Stored(audit_records, "audit_id", AuditRecord)
REVIEWS = _Stored(review_records, "self_assessment_id", ReviewRecord)


async def load(
    session: AsyncSession, stored: _Stored[Record], keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Record]:
    """The stored record of each (ward, document id) of ``keys`` there is one for
    (``stored``: :data:`AUDITS` or :data:`REVIEWS`)."""
    keys = list(set(keys))
    if not keys:
        return {}
    t: Table = stored.table
    make: Any = stored.record  # the fields in column order, then the sums
    key_columns: tuple[Any, ...] = (t.c.ward, t.c[stored.id_column])
    columns = (*key_columns, *(t.c[name] for name in stored.names), t.c.sums)
    rows = await session.execute(keyed(session, select(*columns), key_columns, keys))
    return {(r[0], r[1]): make(*r[2:-1], _sums_from_json(r[-1])) for r in rows}


async def save(
    session: AsyncSession,
    stored: _Stored[Record],
    records: Mapping[tuple[str, str], tuple[Record, str]],
) -> None:
    """Store each document's newest record with the id of the event that brought it."""
    encode = _sums_encoder(session)
    # The record's fields are the row's columns (a copy of its attributes is the cheapest way
    # there: this runs for every audit of every batch); its sums go in encoded.
    rows = [
        {
            **vars(r),
            "ward": ward,
            stored.id_column: document_id,
            "sums": encode(r.sums),
            "event_id": event_id,
        }
        for (ward, document_id), (r, event_id) in sorted(records.items())
    ]
    await upsert_replacing(session, stored.table, rows, ("ward", stored.id_column))


def _sums_to_json(sums: Mapping[str, PillarSums]) -> dict[str, list[int]]:
    return {p: [s.points, s.max_points, s.scored, s.not_applicable] for p, s in sums.items()}


def _sums_encoder(session: AsyncSession) -> Any:
    if is_postgres(session):  # unnested rows carry JSON as text
        return lambda sums: sums_json_text(flatten(sums))
    return _sums_to_json


def _sums_from_json(raw: Mapping[str, list[int]]) -> dict[str, PillarSums]:
    return {p: PillarSums(*values) for p, values in raw.items()}
