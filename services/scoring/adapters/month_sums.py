"""The sums of units' months and people's "+": added to in one statement, never
read-modify-written, and read back per unit, person and month."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.bulk import Keyed, Upsert, one_of
from services.scoring.adapters.tables import (
    person_month_plus,
    unit_month_feedback,
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
    await _UNIT_SUMS.execute(
        session,
        [
            {"ward": w, "unit_id": u, "month": m, "pillar": p, **_sum_columns(d)}
            for (w, u, m, p), d in sorted(changed.items())
        ],
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
    await _PERSON_SUMS.execute(
        session,
        [
            {"ward": w, "person_id": p, "month": m, "unit_id": units[(w, p, m)], **_sum_columns(d)}
            for (w, p, m), d in sorted(deltas.items())
        ],
    )


def _sum_columns(d: PillarSums) -> dict[str, int]:
    return {
        "points": d.points,
        "max_points": d.max_points,
        "scored_items": d.scored,
        "na_items": d.not_applicable,
    }


#: A slot's sums are added to; every other column (a person's month's unit) is replaced.
_SUMS = ("points", "max_points", "scored_items", "na_items")
_UNIT_SUMS = Upsert(
    unit_month_pillars,
    ("ward", "unit_id", "month", "pillar", *_SUMS),
    keys=("ward", "unit_id", "month", "pillar"),
    adding=_SUMS,
)
_PERSON_SUMS = Upsert(
    person_month_plus,
    ("ward", "person_id", "month", "unit_id", *_SUMS),
    keys=("ward", "person_id", "month"),
    adding=_SUMS,
)


def _of_ward_units(t: Table, *columns: Any) -> Keyed:
    """The rows of ``t`` (or their ``columns``) of the ward given as the parameter ``ward``
    whose (unit, month) is one of the keys."""
    query = select(*(columns or (t,))).where(t.c.ward == bindparam("ward"))
    return Keyed(query, (t.c.unit_id, t.c.month))


_UNIT_MONTHS = {t: _of_ward_units(t) for t in (unit_month_pillars, unit_month_feedback)}
_PEOPLE_OF_UNITS = _of_ward_units(
    person_month_plus, person_month_plus.c.person_id, person_month_plus.c.month
)


@dataclass(frozen=True)
class Selection:
    """Which (unit, month)s of a ward a read of its units' stored sums or ratings takes: those
    of given ``units`` (every unit of the ward when None) in given ``months``
    (:meth:`of_units`), or exactly the given (unit, month) ``pairs`` (:meth:`of_pairs`)."""

    ward: str
    units: frozenset[str] | None = None
    months: tuple[str, ...] = ()
    pairs: frozenset[tuple[str, str]] | None = None

    @classmethod
    def of_units(cls, ward: str, units: Iterable[str] | None, months: Iterable[str]) -> Selection:
        return cls(ward, None if units is None else frozenset(units), tuple(months))

    @classmethod
    def of_pairs(cls, ward: str, pairs: Iterable[tuple[str, str]]) -> Selection:
        return cls(ward, pairs=frozenset(pairs))


async def per_unit_month(
    session: AsyncSession,
    t: Table,
    entry: Callable[[Any], tuple[Any, Any] | None],
    wanted: Selection,
) -> dict[tuple[str, str], dict[Any, Any]]:
    """Per (unit, month) of a ward's table ``t`` (``unit_month_pillars`` or
    ``unit_month_feedback``), the ``entry`` (key and value, or None for none) of each of its
    rows ``wanted`` selects."""
    if wanted.pairs is not None:
        rows = await _UNIT_MONTHS[t].execute(session, wanted.pairs, ward=wanted.ward)
    else:
        query = select(t).where(t.c.ward == wanted.ward, one_of(session, t.c.month, wanted.months))
        if wanted.units is not None:
            query = query.where(one_of(session, t.c.unit_id, wanted.units))
        rows = await session.execute(query)
    found: dict[tuple[str, str], dict[Any, Any]] = {}
    for r in rows:
        taken = entry(r)
        if taken is not None:
            found.setdefault((r.unit_id, r.month), {})[taken[0]] = taken[1]
    return found


async def unit_sums(
    session: AsyncSession, wanted: Selection
) -> dict[tuple[str, str], dict[str, PillarSums]]:
    """Per (unit, month) ``wanted`` selects: the sums of each pillar."""
    return await per_unit_month(session, unit_month_pillars, _pillar_sums, wanted)


def _pillar_sums(r: Any) -> tuple[str, PillarSums] | None:
    sums = PillarSums(r.points, r.max_points, r.scored_items, r.na_items)
    return None if sums.is_zero else (r.pillar, sums)


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
    rows = await _PEOPLE_OF_UNITS.execute(session, wanted, ward=ward)
    return {(r.person_id, r.month) for r in rows}


async def months_with_units(session: AsyncSession) -> list[tuple[str, str, str]]:
    """Every (ward, unit, month) with sums: for refreshing gauges at start."""
    t = unit_month_pillars
    rows = await session.execute(select(t.c.ward, t.c.unit_id, t.c.month).distinct())
    return [(r.ward, r.unit_id, r.month) for r in rows]
