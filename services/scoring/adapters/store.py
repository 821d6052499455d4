"""Reading and writing the scoring read model (all I/O of the scoring service's tables)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.db import upsert
from services.scoring.adapters.tables import audit_records, low_flags, unit_month_pillars
from services.scoring.domain.aggregates import PillarSums
from services.scoring.domain.audits import AuditRecord

AuditKey = tuple[str, str]  # ward, audit id
UnitMonth = tuple[str, str, str]  # ward, unit id, month
FlagKey = tuple[str, str, str, str, str]  # ward, subject kind, subject id, period, metric


def _sums_to_json(sums: Mapping[str, PillarSums]) -> dict[str, list[int]]:
    return {p: [s.points, s.max_points, s.scored, s.not_applicable] for p, s in sums.items()}


def _sums_from_json(raw: Mapping[str, list[int]]) -> dict[str, PillarSums]:
    return {p: PillarSums(*values) for p, values in raw.items()}


async def load_audit_records(
    session: AsyncSession, keys: Iterable[AuditKey]
) -> dict[AuditKey, AuditRecord]:
    keys = list(set(keys))
    if not keys:
        return {}
    t = audit_records
    rows = await session.execute(select(t).where(tuple_(t.c.ward, t.c.audit_id).in_(keys)))
    return {
        (r.ward, r.audit_id): AuditRecord(
            r.unit_id, r.month, r.revision, r.live, _sums_from_json(r.sums)
        )
        for r in rows
    }


async def save_audit_records(
    session: AsyncSession, records: Mapping[AuditKey, AuditRecord]
) -> None:
    if not records:
        return
    rows = [
        {
            "ward": ward,
            "audit_id": audit_id,
            "unit_id": r.unit_id,
            "month": r.month,
            "revision": r.revision,
            "live": r.live,
            "sums": _sums_to_json(r.sums),
        }
        for (ward, audit_id), r in records.items()
    ]
    statement = upsert(session, audit_records)
    excluded = statement.excluded
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[audit_records.c.ward, audit_records.c.audit_id],
            set_={
                name: excluded[name] for name in ("unit_id", "month", "revision", "live", "sums")
            },
        ),
        rows,
    )


async def add_to_unit_months(
    session: AsyncSession, deltas: Mapping[tuple[str, str, str, str], PillarSums]
) -> None:
    """Add each (ward, unit, month, pillar) delta to the stored sums."""
    rows = [
        {
            "ward": w,
            "unit_id": u,
            "month": m,
            "pillar": p,
            "points": d.points,
            "max_points": d.max_points,
            "scored_items": d.scored,
            "na_items": d.not_applicable,
        }
        for (w, u, m, p), d in deltas.items()
        if not d.is_zero
    ]
    if not rows:
        return
    t = unit_month_pillars
    statement = upsert(session, t)
    excluded = statement.excluded
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[t.c.ward, t.c.unit_id, t.c.month, t.c.pillar],
            set_={
                "points": t.c.points + excluded.points,
                "max_points": t.c.max_points + excluded.max_points,
                "scored_items": t.c.scored_items + excluded.scored_items,
                "na_items": t.c.na_items + excluded.na_items,
            },
        ),
        rows,
    )


async def unit_sums(
    session: AsyncSession, ward: str, unit_ids: Iterable[str], months: Iterable[str]
) -> dict[tuple[str, str], dict[str, PillarSums]]:
    """Per (unit, month): the sums of each pillar."""
    t = unit_month_pillars
    rows = await session.execute(
        select(t).where(
            t.c.ward == ward, t.c.unit_id.in_(list(unit_ids)), t.c.month.in_(list(months))
        )
    )
    result: dict[tuple[str, str], dict[str, PillarSums]] = {}
    for r in rows:
        result.setdefault((r.unit_id, r.month), {})[r.pillar] = PillarSums(
            r.points, r.max_points, r.scored_items, r.na_items
        )
    return result


async def load_flags(session: AsyncSession, keys: Iterable[FlagKey]) -> dict[FlagKey, bool]:
    keys = list(set(keys))
    if not keys:
        return {}
    t = low_flags
    rows = await session.execute(
        select(t.c.ward, t.c.subject_kind, t.c.subject_id, t.c.period, t.c.metric, t.c.low).where(
            tuple_(t.c.ward, t.c.subject_kind, t.c.subject_id, t.c.period, t.c.metric).in_(keys)
        )
    )
    return {(r[0], r[1], r[2], r[3], r[4]): r[5] for r in rows}


async def save_flags(
    session: AsyncSession, flags: Mapping[FlagKey, tuple[bool, float | None]]
) -> None:
    if not flags:
        return
    now = datetime.now(UTC)
    rows = [
        {
            "ward": k[0],
            "subject_kind": k[1],
            "subject_id": k[2],
            "period": k[3],
            "metric": k[4],
            "low": low,
            "value": value,
            "updated_at": now,
        }
        for k, (low, value) in flags.items()
    ]
    t = low_flags
    statement = upsert(session, t)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[t.c.ward, t.c.subject_kind, t.c.subject_id, t.c.period, t.c.metric],
            set_={
                "low": statement.excluded.low,
                "value": statement.excluded.value,
                "updated_at": statement.excluded.updated_at,
            },
        ),
        rows,
    )
