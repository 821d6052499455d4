"""The ward's org chart (units, people with their roles, duty groups and employment types) and
its devices (kiosks, QR links, integrations). Loading a chart replaces the ward's people and
publishes the whole chart; a ward's first chart also stores and publishes its calendar."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from contracts.common import Text
from contracts.envelope import Actor
from contracts.events import OrgChartPublished, OrgChartPublishedData, OrgPerson, OrgUnit
from services.assessment.adapters import org
from services.assessment.domain.org import DeviceRow, OrgRow, duty_groups
from services.assessment.domain.policy import Policy
from services.assessment.handlers.calendar import ensure_calendar
from services.assessment.handlers.common import check_unit
from services.assessment.handlers.sign_in import revoke_changed
from services.runtime.uow import UnitOfWork


async def load_org_chart(
    uow: UnitOfWork,
    ward: str,
    ward_name: str | None,
    rows: Sequence[OrgRow],
    device_rows: Sequence[DeviceRow] = (),
    *,
    actor: Actor,
    policy: Policy,
    city: str | None = None,
    stored: Callable[[int], None] | None = None,
) -> int:
    """Replace a ward's org chart with ``rows`` (parsed and checked: ``domain/org.py``) and
    publish it, with the ward's name and city (``city`` given replaces the stored one, "" clears
    it, None keeps it); returns the new org chart version. A ward's first org chart also stores
    and publishes its working calendar, from ``policy``'s seed. ``stored(1)`` is called after
    each person is stored (the operator's progress)."""
    ward_row = await org.next_org_version(uow.session, ward, ward_name, city)
    version = ward_row.version
    before = await org.active_people(uow.session, ward)
    await org.replace_people(uow.session, ward, rows, stored)
    # A person moved or removed signs in again: their refresh tokens die with the old seat.
    await revoke_changed(uow, ward, before, rows)
    for device in device_rows:
        await save_device(uow, ward, device)
    all_units = await org.ward_units(uow.session, ward)
    uow.emit(
        OrgChartPublished(
            **uow.envelope(ward, actor),
            data=OrgChartPublishedData(
                version=version,
                units=tuple(
                    OrgUnit(unit_id=u.unit_id, name=Text(vi=u.name_vi, en=u.name_en))
                    for u in all_units
                ),
                people=tuple(_published(row) for row in rows),
                duty_groups=duty_groups(rows),
                ward_name=ward_row.name,
                city=ward_row.city,
            ),
        )
    )
    await ensure_calendar(uow, ward, policy, actor)
    return version


def _published(row: OrgRow) -> OrgPerson:
    """A line of the chart as the event publishes it: the contract's fields of the same names
    (the unit's name goes with the units)."""
    return OrgPerson.model_validate(row, from_attributes=True)


async def save_device(uow: UnitOfWork, ward: str, device: DeviceRow) -> None:
    """Register or change a kiosk, QR link or integration of the ward (422 ``unknown_unit``)."""
    if device.unit_id:
        await check_unit(uow.session, ward, device.unit_id)
    await org.save_device(uow.session, ward, device)
