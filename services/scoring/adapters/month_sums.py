"""The sums of units' months and people's "+": added to in one statement, never
read-modify-written, and read back per unit, person and month."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    delete,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.bulk import execute_rows, insert_rows, keyed, one_of
from services.scoring.adapters.tables import (
    person_month_plus,
    unit_month_pillars,
)
from services.scoring.domain.aggregates import PillarSums

UnitMonth = tuple[str, str, str]  # ward, unit id, month
PersonMonthKey = tuple[str, str, str]  # ward, person id, month


SumsKey = tuple[str, str, str, str]  # ward, subject id, month, pillar


async def add_to_unit_months(session: AsyncSession, deltas: Mapping[SumsKey, PillarSums]) -> None:
    """Add each (ward, unit, month, pillar) delta to the stored sums.

    A slot holds a row exactly while it has something in it: a retraction that brings it back
    to nothing deletes the row, so the rows follow from the live audits alone, whatever order
    and batches the events came in (and a rebuild gives the same rows)."""
    changed = {key: d for key, d in deltas.items() if not d.is_zero}
    await _add_sums(
        session,
        unit_month_pillars,
        [
            {"ward": w, "unit_id": u, "month": m, "pillar": p, **_sum_columns(d)}
            for (w, u, m, p), d in sorted(changed.items())
        ],
        ("ward", "unit_id", "month", "pillar"),
    )
    retracted = [key for key, d in changed.items() if min(_sum_columns(d).values()) < 0]
    if retracted:
        t = unit_month_pillars
        await session.execute(
            delete(t).where(
                one_of(session, t.c.ward, {w for w, _, _, _ in retracted}),
                one_of(session, t.c.unit_id, {u for _, u, _, _ in retracted}),
                one_of(session, t.c.month, {m for _, _, m, _ in retracted}),
                t.c.points == 0,
                t.c.max_points == 0,
                t.c.scored_items == 0,
                t.c.na_items == 0,
            )
        )


async def add_to_person_months(
    session: AsyncSession,
    deltas: Mapping[PersonMonthKey, PillarSums],
    units: Mapping[PersonMonthKey, str],
) -> None:
    """Add each (ward, person, month) delta of "+" sums; the month's unit becomes ``units``'."""
    await _add_sums(
        session,
        person_month_plus,
        [
            {"ward": w, "person_id": p, "month": m, "unit_id": units[(w, p, m)], **_sum_columns(d)}
            for (w, p, m), d in sorted(deltas.items())
        ],
        ("ward", "person_id", "month"),
        replace=("unit_id",),
    )


def _sum_columns(d: PillarSums) -> dict[str, int]:
    return {
        "points": d.points,
        "max_points": d.max_points,
        "scored_items": d.scored,
        "na_items": d.not_applicable,
    }


async def _add_sums(
    session: AsyncSession,
    table: object,
    rows: list[dict[str, object]],
    keys: tuple[str, ...],
    replace: tuple[str, ...] = (),
) -> None:
    if not rows:
        return
    t = table
    statement = insert_rows(session, t, rows)
    excluded = statement.excluded
    columns = t.c  # type: ignore[attr-defined]
    set_ = {
        name: columns[name] + excluded[name]
        for name in ("points", "max_points", "scored_items", "na_items")
    }
    set_.update({name: excluded[name] for name in replace})
    await execute_rows(
        session, statement.on_conflict_do_update(index_elements=list(keys), set_=set_), rows
    )


def of_units(
    session: AsyncSession,
    t: Any,
    ward: str,
    unit_ids: Iterable[str] | None,
    months: Iterable[str],
    pairs: Iterable[tuple[str, str]] | None,
) -> Any:
    """Rows of a ward's units: given units (or all) in given months, or given (unit, month)s."""
    query = select(t).where(t.c.ward == ward)
    if pairs is not None:
        return keyed(session, query, (t.c.unit_id, t.c.month), pairs)
    query = query.where(one_of(session, t.c.month, months))
    if unit_ids is not None:
        query = query.where(one_of(session, t.c.unit_id, unit_ids))
    return query


async def unit_sums(
    session: AsyncSession,
    ward: str,
    unit_ids: Iterable[str] | None,
    months: Iterable[str] = (),
    pairs: Iterable[tuple[str, str]] | None = None,
) -> dict[tuple[str, str], dict[str, PillarSums]]:
    """Per (unit, month): the sums of each pillar (every unit of the ward when ``None``)."""
    query = of_units(session, unit_month_pillars, ward, unit_ids, months, pairs)
    result: dict[tuple[str, str], dict[str, PillarSums]] = {}
    for r in await session.execute(query):
        sums = PillarSums(r.points, r.max_points, r.scored_items, r.na_items)
        if not sums.is_zero:
            result.setdefault((r.unit_id, r.month), {})[r.pillar] = sums
    return result


async def person_plus(
    session: AsyncSession, ward: str, person_ids: Iterable[str] | None, months: Iterable[str]
) -> dict[tuple[str, str], tuple[str, PillarSums]]:
    """Per (person, month): their unit and approved "+" sums (everyone when ``None``)."""
    t = person_month_plus
    query = select(t).where(t.c.ward == ward, t.c.month.in_(list(months)))
    if person_ids is not None:
        query = query.where(t.c.person_id.in_(list(person_ids)))
    return {
        (r.person_id, r.month): (
            r.unit_id,
            PillarSums(r.points, r.max_points, r.scored_items, r.na_items),
        )
        for r in await session.execute(query)
    }


async def people_of_units(
    session: AsyncSession, ward: str, pairs: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """The (person, month)s whose unit-month is among ``pairs`` (their score moves with it)."""
    wanted = set(pairs)
    if not wanted:
        return set()
    t = person_month_plus
    query = select(t.c.person_id, t.c.month).where(t.c.ward == ward)
    rows = await session.execute(keyed(session, query, (t.c.unit_id, t.c.month), wanted))
    return {(r.person_id, r.month) for r in rows}


async def months_with_units(session: AsyncSession) -> list[tuple[str, str, str]]:
    """Every (ward, unit, month) with sums: for refreshing gauges at start."""
    t = unit_month_pillars
    rows = await session.execute(select(t.c.ward, t.c.unit_id, t.c.month).distinct())
    return [(r.ward, r.unit_id, r.month) for r in rows]
