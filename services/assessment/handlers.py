"""The assessment service layer: one function per command, each given a session in an open
transaction. A handler checks the rules, writes the rows and stages the events; the caller
commits, so rows and events are saved together or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.catalog import Catalog
from contracts.common import Text
from contracts.envelope import Actor
from contracts.events import (
    AuditState,
    AuditSubmitted,
    AuditSubmittedData,
    OrgChartPublished,
    OrgChartPublishedData,
    OrgPerson,
    OrgUnit,
)
from contracts.roles import Role
from services.assessment.adapters.tables import (
    audit_items,
    audits,
    catalogs,
    devices,
    people,
    periods,
    plumbing,
    units,
    wards,
)
from services.assessment.domain import errors as _messages  # noqa: F401  (registers texts)
from services.assessment.domain.audits import AuditDraft, check_auditor, check_period, score_items
from services.runtime.auth import Principal
from services.runtime.errors import ApiError
from services.runtime.outbox import stage


def person_actor(principal: Principal) -> Actor:
    kind = {"kiosk": "device", "integration": "integration"}.get(principal.role.value, "person")
    return Actor(kind=kind, id=principal.subject_id)


# --- catalogue ------------------------------------------------------------------------------------


async def ensure_catalog(session: AsyncSession, catalog: Catalog, current: bool = True) -> None:
    """Store a catalogue version if it is new (versions are immutable once stored)."""
    exists = await session.scalar(
        select(catalogs.c.version).where(catalogs.c.version == catalog.version)
    )
    if exists:
        return
    if current:
        await session.execute(update(catalogs).values(current=False))
    await session.execute(
        catalogs.insert().values(
            version=catalog.version,
            body=catalog.model_dump(mode="json", by_alias=True),
            published_at=datetime.now(UTC),
            current=current,
        )
    )


async def get_catalog(session: AsyncSession, version: str | None = None) -> Catalog:
    query = select(catalogs.c.body)
    query = (
        query.where(catalogs.c.version == version)
        if version
        else query.where(catalogs.c.current.is_(True))
    )
    body = await session.scalar(query)
    if body is None:
        raise ApiError(
            404 if version is None else 422,
            "unknown_catalog",
            "catalog_version" if version else None,
            version=version or "",
        )
    return Catalog.model_validate(body)


# --- audits ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditAccepted:
    audit_id: uuid.UUID
    revision: int
    unit_id: str
    period: str
    status: str = "live"

    def as_json(self) -> dict[str, object]:
        return {
            "audit_id": str(self.audit_id),
            "revision": self.revision,
            "unit_id": self.unit_id,
            "period": self.period,
            "status": self.status,
        }


async def check_period_open(session: AsyncSession, ward: str, period: str) -> None:
    status = await session.scalar(
        select(periods.c.status).where(periods.c.ward == ward, periods.c.period == period)
    )
    if status == "closed":
        raise ApiError(409, "period_closed", "period", period=period)


async def submit_audit(
    session: AsyncSession,
    principal: Principal,
    draft: AuditDraft,
    *,
    now: datetime | None = None,
    correlation_id: uuid.UUID | None = None,
) -> AuditAccepted:
    now = now or datetime.now(UTC)
    ward = principal.ward
    unit = await session.scalar(
        select(units.c.unit_id).where(units.c.ward == ward, units.c.unit_id == draft.unit_id)
    )
    if unit is None:
        raise ApiError(422, "unknown_unit", "unit_id")
    check_auditor(principal.unit_id, draft.unit_id)
    check_period(draft.period, draft.performed_at, now)
    catalog = await get_catalog(session, draft.catalog_version)
    items = score_items(catalog, draft.items)
    await check_period_open(session, ward, draft.period)

    audit_id = uuid.uuid4()
    await session.execute(
        audits.insert().values(
            audit_id=str(audit_id),
            ward=ward,
            unit_id=draft.unit_id,
            period=draft.period,
            performed_at=draft.performed_at,
            catalog_version=catalog.version,
            auditor_id=principal.subject_id,
            revision=1,
            status="live",
            created_at=now,
            updated_at=now,
        )
    )
    await session.execute(
        audit_items.insert(),
        [
            {
                "audit_id": str(audit_id),
                "code": item.code,
                "pillar": item.pillar,
                "weight": item.weight,
                "score": item.score,
                "note": item.note,
                "evidence": list(item.evidence),
            }
            for item in items
        ],
    )
    await session.execute(
        update(catalogs)
        .where(catalogs.c.version == catalog.version, catalogs.c.first_used_at.is_(None))
        .values(first_used_at=now)
    )
    state = AuditState(
        revision=1,
        period=draft.period,
        performed_at=draft.performed_at,
        catalog_version=catalog.version,
        items=items,
    )
    event = AuditSubmitted(
        ward=ward,
        occurred_at=draft.performed_at,
        recorded_at=now,
        actor=person_actor(principal),
        correlation_id=correlation_id or uuid.uuid4(),
        data=AuditSubmittedData(
            audit_id=audit_id,
            unit_id=draft.unit_id,
            auditor_id=principal.subject_id,
            **state.model_dump(),
        ),
    )
    await stage(session, plumbing.outbox, [event])
    return AuditAccepted(audit_id, 1, draft.unit_id, draft.period)


# --- organisation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgRow:
    """One line of an org chart: a person, their role and unit."""

    person_id: str
    full_name: str
    email: str | None
    role: Role
    unit_id: str | None
    unit_name: Text | None
    units_in_charge: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeviceRow:
    device_id: str
    role: Role
    unit_id: str | None
    label: Text


async def load_org_chart(
    session: AsyncSession,
    ward: str,
    ward_name: str,
    rows: Sequence[OrgRow],
    device_rows: Sequence[DeviceRow] = (),
    *,
    actor: Actor,
) -> int:
    """Replace a ward's org chart and publish it; returns the new org chart version."""
    now = datetime.now(UTC)
    current = await session.scalar(select(wards.c.org_version).where(wards.c.ward == ward))
    version = (current or 0) + 1
    if current is None:
        await session.execute(wards.insert().values(ward=ward, name=ward_name, org_version=1))
    else:
        await session.execute(
            update(wards).where(wards.c.ward == ward).values(name=ward_name, org_version=version)
        )
    unit_names = {row.unit_id: row.unit_name for row in rows if row.unit_id and row.unit_name}
    for unit_id, name in unit_names.items():
        await _upsert(
            session,
            units,
            {"ward": ward, "unit_id": unit_id},
            {"name_vi": name.vi, "name_en": name.en},
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
            },
        )
    for device in device_rows:
        await _upsert(
            session,
            devices,
            {"ward": ward, "device_id": device.device_id},
            {
                "role": device.role.value,
                "unit_id": device.unit_id,
                "label_vi": device.label.vi,
                "label_en": device.label.en,
                "active": True,
            },
        )
    all_units = (await session.execute(select(units).where(units.c.ward == ward))).all()
    event = OrgChartPublished(
        ward=ward,
        occurred_at=now,
        recorded_at=now,
        actor=actor,
        data=OrgChartPublishedData(
            version=version,
            units=tuple(
                OrgUnit(unit_id=u.unit_id, name=Text(vi=u.name_vi, en=u.name_en)) for u in all_units
            ),
            people=tuple(
                OrgPerson(
                    person_id=r.person_id,
                    full_name=r.full_name,
                    email=r.email,
                    role=r.role,
                    unit_id=r.unit_id,
                    units_in_charge=r.units_in_charge,
                )
                for r in rows
            ),
        ),
    )
    await stage(session, plumbing.outbox, [event])
    return version


async def _upsert(
    session: AsyncSession,
    table: Table,
    key: dict[str, object],
    values: dict[str, object],
) -> None:
    where = [table.c[name] == value for name, value in key.items()]
    found = await session.execute(update(table).where(*where).values(**values))
    if found.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(table.insert().values(**key, **values))
