"""Corrective action rows: opened by audits, closed and reopened by people."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events import CorrectiveActionOpenedData
from services.assessment.adapters.rows import as_columns, change, closing
from services.assessment.adapters.rows import locked as _locked
from services.assessment.adapters.tables import corrective_actions


async def locked(session: AsyncSession, action_id: uuid.UUID, ward: str) -> Row[Any] | None:
    return await _locked(session, corrective_actions, "action_id", action_id, ward)


async def live_item_codes(session: AsyncSession, audit_id: uuid.UUID) -> set[str]:
    """The items of an audit that have an action not closed by an amendment (open or closed by
    a person)."""
    rows = (
        await session.execute(
            select(corrective_actions.c.item_code, corrective_actions.c.superseded).where(
                corrective_actions.c.audit_id == str(audit_id)
            )
        )
    ).all()
    return {row.item_code for row in rows if not row.superseded}


async def drop_superseded(session: AsyncSession, audit_id: uuid.UUID, codes: Iterable[str]) -> None:
    """Forget the actions an amendment had closed on ``codes``: they are opened afresh."""
    await session.execute(
        delete(corrective_actions).where(
            corrective_actions.c.audit_id == str(audit_id),
            corrective_actions.c.superseded.is_(True),
            corrective_actions.c.item_code.in_(list(codes)),
        )
    )


async def insert(
    session: AsyncSession, opened: Sequence[CorrectiveActionOpenedData], **values: Any
) -> None:
    """The actions ``opened`` announces, open, each with the columns ``values`` (the ward, the
    audit's period, when they were opened), in one statement."""
    if opened:
        await session.execute(
            corrective_actions.insert(),
            [{**as_columns(data), **values, "status": "open", "evidence": []} for data in opened],
        )


async def open_of_audit(session: AsyncSession, audit_id: uuid.UUID) -> Sequence[Any]:
    """The audit's open actions (``action_id``, ``audit_id``, ``item_code``, ``unit_id``) by
    item."""
    return (
        await session.execute(
            select(
                corrective_actions.c.action_id,
                corrective_actions.c.audit_id,
                corrective_actions.c.item_code,
                corrective_actions.c.unit_id,
            )
            .where(
                corrective_actions.c.audit_id == str(audit_id),
                corrective_actions.c.status == "open",
            )
            .order_by(corrective_actions.c.item_code)
        )
    ).all()


async def close_superseded(
    session: AsyncSession, action_ids: Sequence[str], by: str, note: str, now: datetime
) -> None:
    await session.execute(
        update(corrective_actions)
        .where(corrective_actions.c.action_id.in_(action_ids))
        .values(status="closed", superseded=True, closed_at=now, closed_by=by, note=note)
    )


async def close(
    session: AsyncSession,
    action_id: uuid.UUID,
    by: str,
    note: str,
    evidence: Sequence[str],
    now: datetime,
) -> None:
    await change(session, corrective_actions, action_id, **closing(by, note, evidence, now))


async def reopen(
    session: AsyncSession, action_id: uuid.UUID, by: str, reason: str, due_on: date, now: datetime
) -> None:
    await change(
        session,
        corrective_actions,
        action_id,
        status="open",
        due_on=due_on,
        closed_at=None,
        closed_by=None,
        reopened_at=now,
        reopened_by=by,
        reopen_reason=reason,
    )
