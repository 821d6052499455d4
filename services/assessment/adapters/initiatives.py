"""Initiative rows (sổ sáng kiến) and the counts the board shows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import InitiativeDecidedData, InitiativeProposedData
from services.assessment.adapters.rows import add_described, as_columns, change
from services.assessment.adapters.rows import counts_by_unit as by_unit
from services.assessment.adapters.rows import locked as _locked
from services.assessment.adapters.tables import initiatives, people


async def insert(session: AsyncSession, data: InitiativeProposedData, **values: Any) -> None:
    """The proposed initiative ``data`` announces, with its own columns ``values``."""
    await add_described(session, initiatives, data, status="proposed", **values)


async def locked(session: AsyncSession, initiative_id: uuid.UUID, ward: str) -> Row[Any] | None:
    return await _locked(session, initiatives, "initiative_id", initiative_id, ward)


async def decide(session: AsyncSession, data: InitiativeDecidedData, now: datetime) -> None:
    """The decision ``data`` announces, taken at ``now``."""
    decision = as_columns(data, "initiative_id", "unit_id", "proposed_by")
    await change(session, initiatives, data.initiative_id, **decision, decided_at=now)


async def listed(
    session: AsyncSession,
    ward: str,
    months: Sequence[str] | None,
    unit_ids: Sequence[str] | None,
    person_id: str,
) -> Sequence[Row[Any]]:
    """The ward's initiatives proposed in ``months`` (every month when None): of every unit
    (``unit_ids`` None), else of ``unit_ids`` and those ``person_id`` proposed; newest first;
    with the proposer's name (``proposer_name``, None for someone no longer in the org chart)."""
    t = initiatives.c
    proposer = (people.c.ward == t.ward) & (people.c.person_id == t.proposed_by)
    query = (
        select(initiatives, people.c.full_name.label("proposer_name"))
        .outerjoin(people, proposer)
        .where(t.ward == ward)
    )
    if months is not None:
        query = query.where(t.period.in_(list(months)))
    if unit_ids is not None:
        query = query.where(t.unit_id.in_(list(unit_ids)) | (t.proposed_by == person_id))
    return (await session.execute(query.order_by(t.proposed_at.desc()))).all()


async def counts_by_unit(
    session: AsyncSession, ward: str, months: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Per unit, the initiatives proposed in ``months``: ``proposed`` (all of them) and how
    many of those are ``adopted`` now."""
    return await by_unit(session, initiatives, ward, months, "adopted", ("proposed", "adopted"))
