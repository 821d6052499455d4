"""Each audit's and each self-assessment review's record: its newest version, what it
contributes, and the event that brought it (read, then written back, under the ward's lock)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.bulk import keyed, upsert_replacing
from services.runtime.db import is_postgres
from services.scoring.adapters.tables import (
    audit_records,
    review_records,
)
from services.scoring.domain.aggregates import PillarSums, flatten, sums_json_text
from services.scoring.domain.audits import AuditRecord
from services.scoring.domain.reviews import ReviewRecord

AuditKey = tuple[str, str]  # ward, audit id
ReviewKey = tuple[str, str]  # ward, self-assessment id


def _sums_to_json(sums: Mapping[str, PillarSums]) -> dict[str, list[int]]:
    return {p: [s.points, s.max_points, s.scored, s.not_applicable] for p, s in sums.items()}


def _sums_encoder(session: AsyncSession) -> Any:
    if is_postgres(session):  # unnested rows carry JSON as text
        return lambda sums: sums_json_text(flatten(sums))
    return _sums_to_json


def _sums_from_json(raw: Mapping[str, list[int]]) -> dict[str, PillarSums]:
    return {p: PillarSums(*values) for p, values in raw.items()}


async def load_audit_records(
    session: AsyncSession, keys: Iterable[AuditKey]
) -> dict[AuditKey, AuditRecord]:
    keys = list(set(keys))
    if not keys:
        return {}
    t = audit_records
    columns = (t.c.ward, t.c.audit_id, t.c.unit_id, t.c.month, t.c.revision, t.c.live, t.c.sums)
    rows = await session.execute(keyed(session, select(*columns), (t.c.ward, t.c.audit_id), keys))
    return {
        (r.ward, r.audit_id): AuditRecord(
            r.unit_id, r.month, r.revision, r.live, _sums_from_json(r.sums)
        )
        for r in rows
    }


async def save_audit_records(
    session: AsyncSession, records: Mapping[AuditKey, tuple[AuditRecord, str]]
) -> None:
    """Store each audit's newest record with the id of the event that brought it."""
    encode = _sums_encoder(session)
    rows = [
        {
            "ward": ward,
            "audit_id": audit_id,
            "unit_id": r.unit_id,
            "month": r.month,
            "revision": r.revision,
            "live": r.live,
            "sums": encode(r.sums),
            "event_id": event_id,
        }
        for (ward, audit_id), (r, event_id) in sorted(records.items())
    ]
    await upsert_replacing(session, audit_records, rows, ("ward", "audit_id"))


async def load_review_records(
    session: AsyncSession, keys: Iterable[ReviewKey]
) -> dict[ReviewKey, ReviewRecord]:
    keys = list(set(keys))
    if not keys:
        return {}
    t = review_records
    rows = await session.execute(
        keyed(session, select(t), (t.c.ward, t.c.self_assessment_id), keys)
    )
    return {
        (r.ward, r.self_assessment_id): ReviewRecord(
            r.person_id,
            r.unit_id,
            r.month,
            r.revision,
            r.reviewed_us,
            r.live,
            _sums_from_json(r.sums),
        )
        for r in rows
    }


async def save_review_records(
    session: AsyncSession, records: Mapping[ReviewKey, tuple[ReviewRecord, str]]
) -> None:
    encode = _sums_encoder(session)
    rows = [
        {
            "ward": ward,
            "self_assessment_id": sa_id,
            "person_id": r.person_id,
            "unit_id": r.unit_id,
            "month": r.month,
            "revision": r.revision,
            "reviewed_us": r.reviewed_us,
            "live": r.live,
            "sums": encode(r.sums),
            "event_id": event_id,
        }
        for (ward, sa_id), (r, event_id) in sorted(records.items())
    ]
    await upsert_replacing(session, review_records, rows, ("ward", "self_assessment_id"))
