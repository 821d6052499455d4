"""The read side's queries: what the exports and the screens' lists select (the views filter
them by what the caller may see and shape the answers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Row, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters.tables import (
    audit_items,
    audit_revisions,
    audits,
    corrective_actions,
    people,
    self_assessments,
    units,
)

#: A unit's names beside a row of it, as the exports show them (join ``_unit_of``).
UNIT_NAMES = (units.c.name_vi.label("unit_name_vi"), units.c.name_en.label("unit_name_en"))


def _unit_of(table: Table) -> ColumnElement[bool]:
    """Join ``units`` to the unit of ``table``'s rows (its ``ward`` and ``unit_id``)."""
    return (units.c.ward == table.c.ward) & (units.c.unit_id == table.c.unit_id)


def _named(
    person: FromClause, ward: ColumnElement[Any], person_id: ColumnElement[Any]
) -> ColumnElement[bool]:
    """Join ``person`` (``people`` or an alias of it) to the person ``person_id`` of ``ward``:
    an outer join, since someone no longer in the org chart has no row (their name is None)."""
    return (person.c.ward == ward) & (person.c.person_id == person_id)


def _name_or_id(person: FromClause, person_id: ColumnElement[str]) -> ColumnElement[str]:
    """A person's name (``person`` joined by ``_named``), or their id where the org chart no
    longer names them."""
    return func.coalesce(person.c.full_name, person_id)


async def audit_export(session: AsyncSession, ward: str, period: str) -> list[dict[str, Any]]:
    """Every item of every audit of the ward's month, with its unit's names (``unit_name_vi``,
    ``unit_name_en``), its catalogue version and its ``auditor`` by name (by id for someone no
    longer in the org chart), the item's score as ``item_score``: the export's columns by their
    keys. By unit and time."""
    auditor = people.alias("auditor")
    query = (
        select(
            audits.c.audit_id,
            audits.c.unit_id,
            *UNIT_NAMES,
            audits.c.period,
            audits.c.performed_at,
            audits.c.catalog_version,
            _name_or_id(auditor, audits.c.auditor_id).label("auditor"),
            audits.c.revision,
            audits.c.status,
            audit_items.c.code,
            audit_items.c.pillar,
            audit_items.c.weight,
            audit_items.c.score.label("item_score"),
            audit_items.c.note,
        )
        .join(units, _unit_of(audits))
        .outerjoin(auditor, _named(auditor, audits.c.ward, audits.c.auditor_id))
        .outerjoin(audit_items, audit_items.c.audit_id == audits.c.audit_id)
        .where(audits.c.ward == ward, audits.c.period == period)
        .order_by(audits.c.unit_id, audits.c.performed_at, audit_items.c.code)
    )
    return [dict(row._mapping) for row in await session.execute(query)]


async def action_export(session: AsyncSession, ward: str, period: str) -> list[dict[str, Any]]:
    """Every corrective action of the ward's month, with its unit's names, its ``owner`` by
    name (by id for someone no longer in the org chart), the audit's catalogue version, the
    item's ``code`` and what closed it (its note) as ``outcome``: the export's columns by their
    keys. By unit and item."""
    actions, owner = corrective_actions, people.alias("owner")
    query = (
        select(
            actions.c.action_id,
            actions.c.unit_id,
            *UNIT_NAMES,
            actions.c.period,
            actions.c.audit_id,
            audits.c.catalog_version,
            actions.c.item_code.label("code"),
            actions.c.score,
            _name_or_id(owner, actions.c.owner_id).label("owner"),
            actions.c.due_on,
            actions.c.status,
            actions.c.closed_at,
            actions.c.note.label("outcome"),
        )
        .join(units, _unit_of(actions))
        .join(audits, audits.c.audit_id == actions.c.audit_id)
        .outerjoin(owner, _named(owner, actions.c.ward, actions.c.owner_id))
        .where(actions.c.ward == ward, actions.c.period == period)
        .order_by(actions.c.unit_id, actions.c.item_code)
    )
    return [dict(row._mapping) for row in await session.execute(query)]


async def self_assessments_of(
    session: AsyncSession, ward: str, period: str, status: str | None
) -> Sequence[Row[Any]]:
    """The ward's self-assessments of a month (of one status if given), with the person's name
    (``full_name``) and role (``person_role``), None for someone no longer in the org chart, by
    unit and person."""
    person = _named(people, self_assessments.c.ward, self_assessments.c.person_id)
    query = (
        select(self_assessments, people.c.full_name, people.c.role.label("person_role"))
        .outerjoin(people, person)
        .where(self_assessments.c.ward == ward, self_assessments.c.period == period)
    )
    if status:
        query = query.where(self_assessments.c.status == status)
    order = (self_assessments.c.unit_id, self_assessments.c.person_id)
    return (await session.execute(query.order_by(*order))).all()


@dataclass(frozen=True)
class ActionFilter:
    """Which of a ward's corrective actions a list reads: of a month, of one status, of one
    unit, due before a day, owned by one person (each if given)."""

    ward: str
    period: str | None = None
    status: str | None = None
    unit_id: str | None = None
    due_before: date | None = None
    owner_id: str | None = None

    def where(self) -> list[ColumnElement[bool]]:
        t = corrective_actions
        given = {
            t.c.period: self.period,
            t.c.status: self.status,
            t.c.unit_id: self.unit_id,
            t.c.owner_id: self.owner_id,
        }
        found = [t.c.ward == self.ward, *(c == v for c, v in given.items() if v is not None)]
        if self.due_before is not None:
            found.append(t.c.due_on < self.due_before)
        return found


async def corrective_actions_of(
    session: AsyncSession, wanted: ActionFilter, limit: int | None = None
) -> Sequence[Row[Any]]:
    """The corrective actions ``wanted`` (the first ``limit``, all for None), soonest due
    first, with the owner's name (``owner_name``, None for someone no longer in the org chart).
    One unit's are read by ``ix_corrective_actions_unit``, not by reading the ward's."""
    owner = (people.c.ward == corrective_actions.c.ward) & (
        people.c.person_id == corrective_actions.c.owner_id
    )
    query = (
        select(corrective_actions, people.c.full_name.label("owner_name"))
        .outerjoin(people, owner)
        .where(*wanted.where())
        .order_by(corrective_actions.c.due_on, corrective_actions.c.unit_id)
        .limit(limit)
    )
    return (await session.execute(query)).all()


async def corrective_actions_counted(session: AsyncSession, wanted: ActionFilter) -> int:
    """How many corrective actions ``wanted`` there are."""
    query = select(func.count()).select_from(corrective_actions).where(*wanted.where())
    return int((await session.execute(query)).scalar_one())


async def audit_of(session: AsyncSession, ward: str, audit_id: str) -> Row[Any] | None:
    query = select(audits).where(audits.c.audit_id == audit_id, audits.c.ward == ward)
    return (await session.execute(query)).first()


async def revisions_of(session: AsyncSession, audit_id: str) -> Sequence[Row[Any]]:
    """Every revision of an audit, oldest first."""
    query = (
        select(audit_revisions)
        .where(audit_revisions.c.audit_id == audit_id)
        .order_by(audit_revisions.c.revision)
    )
    return (await session.execute(query)).all()


async def audit_count(session: AsyncSession) -> int:
    """How many audits there are (in every ward)."""
    return int(await session.scalar(select(func.count()).select_from(audits)) or 0)


async def actions_before(session: AsyncSession, period: str) -> Sequence[Row[Any]]:
    """Every corrective action of the months before ``period`` (in every ward)."""
    query = select(corrective_actions).where(corrective_actions.c.period < period)
    return (await session.execute(query)).all()
