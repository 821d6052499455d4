"""Who may see a photo of evidence: the same people who may read the audit that cites it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.adapters import evidence
from services.runtime.auth import Principal
from services.runtime.refusals import Kind, Refusal


def sees_evidence(caller: Principal, uploaded_by: str, unit_id: str | None) -> bool:
    """The person who uploaded it; once an audit cites it, whoever may read that audit
    (``lists.audit_detail``: the unit's head, the vice-chairman in charge of it, the chairman,
    the administrators and the auditors, by ``Principal.sees_unit`` of the audit's unit)."""
    if caller.subject_id == uploaded_by:
        return True
    return unit_id is not None and caller.sees_unit(unit_id)


async def evidence_row(session: AsyncSession, caller: Principal, evidence_id: str) -> Row[Any]:
    """The photo's row if the caller may see it; 404 ``unknown_evidence`` otherwise, whether or
    not it exists (nobody learns of a photo they may not see)."""
    row = await evidence.one(session, caller.ward, evidence_id)
    if row is None or not sees_evidence(caller, row.uploaded_by, row.unit_id):
        raise Refusal(Kind.NOT_FOUND, "unknown_evidence", "evidence_id")
    return row
