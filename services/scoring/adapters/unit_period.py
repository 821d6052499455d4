"""The query API's one round trip for a unit: its sums, its people's approved "+" sums and its
ratings over a period and the one before it, and which of the period's months are closed or
late."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    String,
    bindparam,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters.tables import (
    closed_periods,
    late_marks,
    person_month_plus,
    unit_month_feedback,
    unit_month_pillars,
)
from services.scoring.domain.aggregates import PillarSums


@dataclass
class UnitPeriod:
    """A unit's stored figures over a period and the one before it: sums per pillar and ratings
    per level, each pooled over the period's months, and which of the period's months are
    closed or changed after their close."""

    sums: dict[bool, dict[str, PillarSums]] = field(default_factory=dict)  # current? -> pillar
    # The unit's people's approved "+" sums (each person's month counted in the unit reviewed
    # last), per current?.
    plus: dict[bool, PillarSums] = field(default_factory=dict)
    ratings: dict[bool, dict[int, int]] = field(default_factory=dict)  # current? -> level
    closed: set[str] = field(default_factory=set)
    late: set[str] = field(default_factory=set)


def _unit_period_query() -> Any:
    """The query behind :func:`unit_period`, built once.

    The API asks it on every call: building and compiling a four-part union each time, and
    pooling a year of months row by row in Python, cost several times the database's answer.
    So the database adds the months up, a period's and the previous one's (told apart by
    ``current``). Both are runs of consecutive months and month keys sort as text, so the
    months are one range: planned and run in a third of the time a list of months takes."""
    p, f, c, t = unit_month_pillars, unit_month_feedback, closed_periods, late_marks
    u = person_month_plus
    ward, unit_id = bindparam("ward", type_=String()), bindparam("unit_id", type_=String())
    since, until = bindparam("since", type_=String()), bindparam("until", type_=String())
    current_from = bindparam("current_from", type_=String())
    none, no = literal(None, BigInteger), literal(None, Boolean)
    sums_current, ratings_current = p.c.month >= current_from, f.c.month >= current_from
    plus_current = u.c.month >= current_from
    # PostgreSQL adds BIGINTs up as NUMERIC, which arrives as Decimal: cast back (they fit).
    return union_all(
        select(
            literal("sums").label("what"),
            sums_current.label("current"),
            p.c.pillar.label("key"),
            cast(func.sum(p.c.points), BigInteger).label("a"),
            cast(func.sum(p.c.max_points), BigInteger).label("b"),
            func.sum(p.c.scored_items).label("c"),
            func.sum(p.c.na_items).label("d"),
        )
        .where(p.c.ward == ward, p.c.unit_id == unit_id, p.c.month.between(since, until))
        .group_by(sums_current, p.c.pillar),
        select(
            literal("ratings"),
            ratings_current,
            cast(f.c.level, String),
            func.sum(f.c.ratings),
            none,
            none,
            none,
        )
        .where(f.c.ward == ward, f.c.unit_id == unit_id, f.c.month.between(since, until))
        .group_by(ratings_current, f.c.level),
        select(
            literal("plus"),
            plus_current,
            literal("P"),
            cast(func.sum(u.c.points), BigInteger),
            cast(func.sum(u.c.max_points), BigInteger),
            func.sum(u.c.scored_items),
            func.sum(u.c.na_items),
        )
        .where(u.c.ward == ward, u.c.unit_id == unit_id, u.c.month.between(since, until))
        .group_by(plus_current),
        select(literal("closed"), no, c.c.period, none, none, none, none).where(
            c.c.ward == ward, c.c.period.between(current_from, until)
        ),
        select(literal("late"), no, t.c.month, none, none, none, none).where(
            t.c.ward == ward,
            t.c.subject_kind == "unit",
            t.c.subject_id == unit_id,
            t.c.month.between(current_from, until),
        ),
    )


_UNIT_PERIOD = _unit_period_query()


async def unit_period(
    session: AsyncSession,
    ward: str,
    unit_id: str,
    period: Sequence[str],
    previous: Sequence[str],
) -> UnitPeriod:
    """What the query API needs for one unit, in one round trip: its sums and ratings over the
    ``period``'s months and over the ``previous`` period's, and the closed and late marks of the
    ``period``'s months. Each is a run of consecutive months, ``previous`` the one right before
    ``period`` (or empty)."""
    rows = await session.execute(
        _UNIT_PERIOD,
        {
            "ward": ward,
            "unit_id": unit_id,
            "since": min(previous or period),
            "current_from": min(period),
            "until": max(period),
        },
    )
    found = UnitPeriod()
    for what, current, key, a, b, scored, na in rows:
        if what == "sums":
            sums = PillarSums(int(a), int(b), int(scored), int(na))
            if not sums.is_zero:
                found.sums.setdefault(bool(current), {})[key] = sums
        elif what == "plus":
            plus = PillarSums(int(a), int(b), int(scored), int(na))
            if not plus.is_zero:
                found.plus[bool(current)] = plus
        elif what == "ratings":
            found.ratings.setdefault(bool(current), {})[int(key)] = int(a)
        elif what == "closed":
            found.closed.add(key)
        else:
            found.late.add(key)
    return found
