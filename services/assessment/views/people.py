"""What the ward knows of its people: the org chart for the administrator, and a person's task
results with every recording of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.roles import Role
from contracts.text import matches
from services.assessment.adapters import org, task_results
from services.runtime.auth import Principal
from services.runtime.collation import by_name
from services.runtime.refusals import Kind, Refusal, found


async def ward_units(session: AsyncSession, ward: str) -> list[dict[str, Any]]:
    """The ward's units, ``[{"unit_id", "name_vi", "name_en"}]``: what anyone of the ward may
    read (no person in it), e.g. for an auditor picking the unit to audit."""
    return [
        {"unit_id": u.unit_id, "name_vi": u.name_vi, "name_en": u.name_en}
        for u in await org.ward_units(session, ward)
    ]


async def unit_people(
    session: AsyncSession, caller: Principal, unit_id: str | None = None
) -> list[dict[str, Any]]:
    """``[{person_id, full_name, role, unit_id}]``: the active people of the units ``caller``
    sees (``Principal.sees_unit``, their seat now: a unit head their unit, a vice-chairman the
    units in their charge and their own, the chairman and administrators every unit), of
    ``unit_id`` alone when given, in Vietnamese order; for the programme's pages to name
    people and to offer a follow-up's owner."""
    rows = [
        p
        for p in await org.active_people(session, caller.ward)
        if p.unit_id is not None and caller.sees_unit(p.unit_id) and unit_id in (None, p.unit_id)
    ]
    return [
        {"person_id": p.person_id, "full_name": p.full_name, "role": p.role, "unit_id": p.unit_id}
        for p in by_name(rows, lambda p: p.full_name)
    ]


async def org_chart(session: AsyncSession, ward: str, search: str | None = None) -> dict[str, Any]:
    """The ward's units, active people and devices, for the administrator: people in Vietnamese
    order (given name, family name, middle name), those whose name ``search`` finds alone
    (case and, unless the search carries them, tone marks ignored: ``contracts.text.matches``).
    """
    person_rows = by_name(await org.active_people(session, ward), lambda p: p.full_name)
    if search:
        person_rows = [p for p in person_rows if matches(search, p.full_name)]
    device_rows = await org.ward_devices(session, ward)
    return {
        "units": await ward_units(session, ward),
        "people": [
            {
                "person_id": p.person_id,
                "full_name": p.full_name,
                "role": p.role,
                "unit_id": p.unit_id,
                "units_in_charge": p.units_in_charge,
                "duty_group": p.duty_group,
                "employment_type": p.employment_type,
            }
            for p in person_rows
        ],
        "devices": [
            {
                "device_id": d.device_id,
                "role": d.role,
                "unit_id": d.unit_id,
                "channel": d.channel,
                "active": d.active,
            }
            for d in device_rows
        ],
    }


def _may_see(principal: Principal, person: Row[Any]) -> bool:
    if principal.role in (Role.INTEGRATION, Role.ADMIN, Role.CHAIRMAN):
        return True
    if principal.subject_id == person.person_id:
        return True
    if principal.role is Role.UNIT_HEAD:
        return principal.unit_id == person.unit_id
    return principal.role is Role.VICE_CHAIRMAN and person.unit_id in principal.units_in_charge


async def task_result_view(
    session: AsyncSession, principal: Principal, person_id: str, period: str
) -> dict[str, Any]:
    """The task result in force for a person and month (None before any) and every recording
    of it, oldest first. Errors: 404 ``unknown_person``; 403 ``forbidden`` unless the caller is
    the person, their unit head, a leader in charge, an administrator or the HR integration."""
    person = found(
        await org.any_person(session, principal.ward, person_id), "unknown_person", "person_id"
    )
    if not _may_see(principal, person):
        raise Refusal(Kind.FORBIDDEN, "forbidden")
    rows = await task_results.history(session, principal.ward, person_id, period)
    history = [
        {
            "points": r.points,
            "disqualified": r.disqualified,
            "source": r.source,
            "note": r.note,
            "recorded_by": r.recorded_by,
            "role": r.role,
            "recorded_at": r.recorded_at.isoformat(),
        }
        for r in rows
    ]
    return {
        "person_id": person_id,
        "period": period,
        "current": history[-1] if history else None,
        "history": history,
    }
