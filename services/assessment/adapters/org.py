"""The org chart's rows: wards, units, people and devices (queries and writes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.roles import Role
from services.assessment.adapters.tables import devices, people, units, wards
from services.assessment.domain.org import DeviceRow, OrgRow


async def has_unit(session: AsyncSession, ward: str, unit_id: str) -> bool:
    found = await session.scalar(
        select(units.c.unit_id).where(units.c.ward == ward, units.c.unit_id == unit_id)
    )
    return found is not None


async def has_chart(session: AsyncSession, ward: str) -> bool:
    """Whether an org chart of the ward was ever loaded."""
    found = await session.scalar(select(wards.c.ward).where(wards.c.ward == ward))
    return found is not None


async def active_person(session: AsyncSession, ward: str, person_id: str) -> Row[Any] | None:
    """The active person's row (None if there is no such active person in the ward)."""
    return (
        await session.execute(
            select(people).where(
                people.c.ward == ward, people.c.person_id == person_id, people.c.active.is_(True)
            )
        )
    ).first()


async def any_person(session: AsyncSession, ward: str, person_id: str) -> Row[Any] | None:
    """The person's row, active or not."""
    return (
        await session.execute(
            select(people).where(people.c.ward == ward, people.c.person_id == person_id)
        )
    ).first()


async def person_role(session: AsyncSession, ward: str, person_id: str) -> str | None:
    role: str | None = await session.scalar(
        select(people.c.role).where(people.c.ward == ward, people.c.person_id == person_id)
    )
    return role


async def unit_head(session: AsyncSession, ward: str, unit_id: str) -> str | None:
    """The active head of a unit (the first by id if there are several), or None."""
    head: str | None = await session.scalar(
        select(people.c.person_id)
        .where(
            people.c.ward == ward,
            people.c.unit_id == unit_id,
            people.c.role == Role.UNIT_HEAD.value,
            people.c.active.is_(True),
        )
        .order_by(people.c.person_id)
        .limit(1)
    )
    return head


async def active_device(session: AsyncSession, ward: str, device_id: str) -> Row[Any] | None:
    return (
        await session.execute(
            select(devices).where(
                devices.c.ward == ward,
                devices.c.device_id == device_id,
                devices.c.active.is_(True),
            )
        )
    ).first()


async def device(session: AsyncSession, ward: str, device_id: str) -> Row[Any] | None:
    """The device of the ward's register, active or not."""
    t = devices
    found = await session.execute(select(t).where(t.c.ward == ward, t.c.device_id == device_id))
    return found.first()


async def set_device_credential(
    session: AsyncSession, ward: str, device_id: str, credential_id: str | None
) -> None:
    """Make ``credential_id`` the device's current credential (None: it has none)."""
    t = devices
    await session.execute(
        update(t)
        .where(t.c.ward == ward, t.c.device_id == device_id)
        .values(credential_id=credential_id)
    )


@dataclass(frozen=True)
class WardChart:
    """A ward's row as a new org chart leaves it: the chart's version, the ward's name and city."""

    version: int
    name: str
    city: str | None


async def next_org_version(
    session: AsyncSession, ward: str, ward_name: str | None, city: str | None = None
) -> WardChart:
    """Bump (or create) the ward's row for a new org chart. ``ward_name`` and ``city`` replace
    the stored ones when given (``city`` "": the ward leaves its city), else they stay."""
    current = (
        await session.execute(
            select(wards.c.org_version, wards.c.name, wards.c.city).where(wards.c.ward == ward)
        )
    ).first()
    version = (current.org_version if current else 0) + 1
    name = ward_name or (current.name if current else ward)
    kept: str | None = current.city if current else None
    new_city = kept if city is None else city or None
    values = {"name": name, "org_version": version, "city": new_city}
    if current is None:
        await session.execute(wards.insert().values(ward=ward, **values))
    else:
        await session.execute(update(wards).where(wards.c.ward == ward).values(**values))
    return WardChart(version, name, new_city)


async def replace_people(
    session: AsyncSession,
    ward: str,
    rows: Sequence[OrgRow],
    stored: Callable[[int], None] | None = None,
) -> None:
    """The units the rows name, and the rows as the ward's only active people; ``stored(1)``
    after each person (an operator's progress bar)."""
    unit_names = {row.unit_id: row.unit_name for row in rows if row.unit_id and row.unit_name}
    for unit_id, unit_name in unit_names.items():
        await _upsert(
            session,
            units,
            {"ward": ward, "unit_id": unit_id},
            {"name_vi": unit_name.vi, "name_en": unit_name.en},
        )
    await session.execute(update(people).where(people.c.ward == ward).values(active=False))
    for row in rows:
        await _upsert(
            session,
            people,
            {"ward": ward, "person_id": row.person_id},
            {
                "full_name": row.full_name,
                "email": row.email,
                "role": row.role.value,
                "unit_id": row.unit_id,
                "units_in_charge": list(row.units_in_charge),
                "active": True,
                "duty_group": row.duty_group,
                "employment_type": row.employment_type,
            },
        )
        if stored is not None:
            stored(1)


async def save_device(session: AsyncSession, ward: str, device: DeviceRow) -> None:
    await _upsert(
        session,
        devices,
        {"ward": ward, "device_id": device.device_id},
        {
            "role": device.role.value,
            "unit_id": device.unit_id,
            "label_vi": device.label.vi,
            "label_en": device.label.en,
            "channel": device.channel,
            "active": device.active,
        },
    )


async def ward_name(session: AsyncSession, ward: str) -> str | None:
    """The ward's name as its last org chart gave it (None before any chart)."""
    found = await session.scalar(select(wards.c.name).where(wards.c.ward == ward))
    return str(found) if found is not None else None


async def ward_units(session: AsyncSession, ward: str) -> Sequence[Row[Any]]:
    return (await session.execute(select(units).where(units.c.ward == ward))).all()


async def active_people(session: AsyncSession, ward: str) -> Sequence[Row[Any]]:
    return (
        await session.execute(
            select(people).where(people.c.ward == ward, people.c.active.is_(True))
        )
    ).all()


async def ward_devices(session: AsyncSession, ward: str) -> Sequence[Row[Any]]:
    return (await session.execute(select(devices).where(devices.c.ward == ward))).all()


async def ward_ids(session: AsyncSession) -> Sequence[str]:
    return (await session.scalars(select(wards.c.ward))).all()


async def _upsert(
    session: AsyncSession, table: Table, key: Mapping[str, object], values: Mapping[str, object]
) -> None:
    """Update the row with ``key``, or insert it (portable: no dialect upsert needed for rows
    without concurrent writers)."""
    where = [table.c[name] == value for name, value in key.items()]
    found = await session.execute(update(table).where(*where).values(**values))
    if found.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(table.insert().values(**key, **values))
