"""The ward's org roster (the newest chart) and the chairman's decisions on ties at the cap."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import (
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.db import upsert
from services.scoring.adapters.tables import (
    classification_decisions,
    org_rosters,
)
from services.scoring.domain.classification import Decision
from services.scoring.domain.roster import Chart, Member, Names, RosterEntry, members_of


async def replace_rosters(
    session: AsyncSession,
    rosters: Mapping[str, RosterEntry],
) -> None:
    """Keep each ward's org chart of the highest version: its people's rows, its unit ids, the
    ward's name and city (an older one arriving late changes nothing)."""
    t = org_rosters
    for ward, entry in sorted(rosters.items()):
        statement = upsert(session, t).values(
            ward=ward,
            version=entry.version,
            people=[list(row) for row in entry.people],
            units=list(entry.units),
            ward_name=entry.ward_name,
            city=entry.city,
            names=entry.names,
        )
        excluded = statement.excluded
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["ward"],
                set_={
                    name: excluded[name]
                    for name in ("version", "people", "units", "ward_name", "city", "names")
                },
                where=t.c.version < excluded.version,
            )
        )


async def roster(session: AsyncSession, ward: str) -> dict[str, Member]:
    """The ward's current org chart by person id (empty before the first one arrived)."""
    t = org_rosters
    people = await session.scalar(select(t.c.people).where(t.c.ward == ward))
    return members_of(people or [])


async def names(session: AsyncSession, ward: str) -> Names:
    """The names of the ward's people and units in its newest org chart (none before one)."""
    t = org_rosters
    return Names.of(await session.scalar(select(t.c.names).where(t.c.ward == ward)))


async def chart(session: AsyncSession, ward: str) -> Chart | None:
    """Which units and people the ward's current org chart names; None before the first chart
    arrived (a ward scoring has not seen an org chart of yet)."""
    t = org_rosters
    row = (await session.execute(select(t.c.people, t.c.units).where(t.c.ward == ward))).first()
    if row is None:
        return None
    people, units = row
    return Chart(frozenset(str(p[0]) for p in people), None if units is None else frozenset(units))


async def decisions(session: AsyncSession, ward: str, period: str) -> dict[str, Decision]:
    """The chairman's standing decisions for the ward's period, by duty group."""
    t = classification_decisions
    rows = await session.execute(
        select(t.c.duty_group, t.c.excellent).where(t.c.ward == ward, t.c.period == period)
    )
    return {group: Decision(group, frozenset(excellent)) for group, excellent in rows}


async def save_decision(
    session: AsyncSession,
    ward: str,
    period: str,
    decision: Decision,
    decided_by: str,
    decided_at: datetime,
    event_id: str,
) -> None:
    """Record a decision; it replaces an earlier one for the same period and group."""
    row: dict[str, object] = {
        "ward": ward,
        "period": period,
        "duty_group": decision.duty_group,
        "excellent": sorted(decision.excellent),
        "decided_by": decided_by,
        "decided_at": decided_at,
        "event_id": event_id,
    }
    statement = upsert(session, classification_decisions).values(**row)
    excluded = statement.excluded
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["ward", "period", "duty_group"],
            set_={
                name: excluded[name] for name in row if name not in ("ward", "period", "duty_group")
            },
        )
    )


async def city_of(session: AsyncSession, ward: str) -> str | None:
    """The city the ward's current org chart names (None: none, or no chart yet)."""
    return await session.scalar(select(org_rosters.c.city).where(org_rosters.c.ward == ward))


async def city_wards(session: AsyncSession, city: str) -> list[tuple[str, str | None, int]]:
    """The wards whose current org chart names ``city``: (ward, its name, how many units the
    chart names), by ward id."""
    t = org_rosters
    rows = await session.execute(
        select(t.c.ward, t.c.ward_name, t.c.units).where(t.c.city == city).order_by(t.c.ward)
    )
    return [(ward, name, len(units or ())) for ward, name, units in rows]
