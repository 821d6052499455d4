"""The ward as assessment publishes it, kept here: the org chart (units, people, version) and the
ward's working calendar. Every function works inside the caller's transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import Text
from contracts.events import CalendarPublishedData, OrgChartPublishedData, OrgPerson
from contracts.roles import Role
from services.notifications.adapters.tables import calendars, org_people, org_units, org_versions
from services.runtime.db import upsert


async def load_people(session: AsyncSession, ward: str) -> list[OrgPerson]:
    """Everyone on the ward's chart as kept."""
    rows = await session.execute(select(org_people).where(org_people.c.ward == ward))
    return [
        OrgPerson(
            person_id=r.person_id,
            full_name=r.full_name,
            email=r.email,
            role=Role(r.role),
            unit_id=r.unit_id,
            units_in_charge=tuple(r.units_in_charge),
        )
        for r in rows
    ]


async def with_people(
    session: AsyncSession, rows: Sequence[Any]
) -> AsyncIterator[tuple[Any, list[OrgPerson]]]:
    """Each of ``rows`` (anything with a ``ward``) with everyone on its ward's chart, each
    ward's chart read once however many rows it has."""
    people_of: dict[str, list[OrgPerson]] = {}
    for row in rows:
        if row.ward not in people_of:
            people_of[row.ward] = await load_people(session, row.ward)
        yield row, people_of[row.ward]


async def unit_name(session: AsyncSession, ward: str, unit_id: str) -> Text:
    """The unit's name in both languages; its id for a unit the chart does not name."""
    row = (
        await session.execute(
            select(org_units.c.name_vi, org_units.c.name_en).where(
                org_units.c.ward == ward, org_units.c.unit_id == unit_id
            )
        )
    ).first()
    return Text(vi=row.name_vi, en=row.name_en) if row else Text(vi=unit_id, en=unit_id)


async def unit_ids(session: AsyncSession, ward: str) -> list[str]:
    return list(
        (await session.scalars(select(org_units.c.unit_id).where(org_units.c.ward == ward))).all()
    )


async def email_of(session: AsyncSession, ward: str, person_id: str) -> Any:
    """The person's row (``.email``), or None for someone the chart does not name."""
    return (
        await session.execute(
            select(org_people.c.email).where(
                org_people.c.ward == ward, org_people.c.person_id == person_id
            )
        )
    ).first()


async def person(session: AsyncSession, ward: str, person_id: str) -> Any:
    """The person's row on the ward's chart as kept (``.role``, ``.unit_id``,
    ``.units_in_charge``), or None for someone it does not name."""
    return (
        await session.execute(
            select(org_people).where(org_people.c.ward == ward, org_people.c.person_id == person_id)
        )
    ).first()


async def is_known(session: AsyncSession, ward: str, person_id: str) -> bool:
    found = await session.scalar(
        select(org_people.c.person_id).where(
            org_people.c.ward == ward, org_people.c.person_id == person_id
        )
    )
    return found is not None


async def chart_version(session: AsyncSession, ward: str) -> int | None:
    return await session.scalar(select(org_versions.c.version).where(org_versions.c.ward == ward))


async def chart_versions(session: AsyncSession) -> list[tuple[str, int]]:
    """(ward, version) of every ward whose chart is kept."""
    return [(r.ward, r.version) for r in await session.execute(select(org_versions))]


async def replace_chart(session: AsyncSession, ward: str, chart: OrgChartPublishedData) -> None:
    """Keep ``chart`` as the ward's org chart, in place of the one kept."""
    await session.execute(delete(org_people).where(org_people.c.ward == ward))
    await session.execute(delete(org_units).where(org_units.c.ward == ward))
    if chart.units:
        await session.execute(
            org_units.insert(),
            [
                {"ward": ward, "unit_id": u.unit_id, "name_vi": u.name.vi, "name_en": u.name.en}
                for u in chart.units
            ],
        )
    if chart.people:
        await session.execute(
            org_people.insert(),
            [
                {
                    "ward": ward,
                    "person_id": p.person_id,
                    "full_name": p.full_name,
                    "email": p.email,
                    "role": p.role.value,
                    "unit_id": p.unit_id,
                    "units_in_charge": list(p.units_in_charge),
                }
                for p in chart.people
            ],
        )
    kept = {"version": chart.version, "ward_name": chart.ward_name}
    statement = upsert(session, org_versions).values(ward=ward, **kept)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[org_versions.c.ward], set_=kept)
    )


async def calendar_of(session: AsyncSession, ward: str) -> CalendarPublishedData | None:
    """The ward's calendar as last published, or None before one is."""
    row = (
        await session.execute(
            select(calendars.c.version, calendars.c.days).where(calendars.c.ward == ward)
        )
    ).first()
    return None if row is None else CalendarPublishedData(version=row.version, days=tuple(row.days))


async def calendar_version(session: AsyncSession, ward: str) -> int | None:
    return await session.scalar(select(calendars.c.version).where(calendars.c.ward == ward))


async def keep_calendar(session: AsyncSession, ward: str, published: CalendarPublishedData) -> None:
    """Keep ``published`` as the ward's calendar."""
    days = [day.model_dump(mode="json") for day in published.days]
    statement = upsert(session, calendars).values(ward=ward, version=published.version, days=days)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[calendars.c.ward], set_={"version": published.version, "days": days}
        )
    )
