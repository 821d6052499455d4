"""Unit 5S audits: submitted, amended with a reason, withdrawn with a reason. Each change keeps
the revision for the record, raises its event, and opens or closes the corrective actions its
findings call for (``handlers.corrective_actions``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from contracts.events import (
    AuditAmended,
    AuditAmendedData,
    AuditState,
    AuditSubmitted,
    AuditSubmittedData,
    AuditWithdrawn,
    AuditWithdrawnData,
)
from services.assessment.adapters import audits
from services.assessment.adapters.rows import described_by, locked
from services.assessment.adapters.tables import audits as audit_table
from services.assessment.domain.audits import (
    AuditDraft,
    ItemInput,
    check_auditor,
    check_period,
    findings,
    score_items,
)
from services.assessment.handlers.common import (
    Context,
    catalog_in_use,
    check_period_open,
    check_unit,
    get_catalog,
    required_reason,
)
from services.assessment.handlers.corrective_actions import (
    close_superseded_actions,
    open_corrective_actions,
)
from services.assessment.handlers.evidence import cite_evidence
from services.runtime.refusals import Kind, Refusal, found
from services.runtime.uow import UnitOfWork


@dataclass(frozen=True)
class AuditAccepted:
    audit_id: uuid.UUID
    revision: int
    unit_id: str
    period: str
    status: str = "live"
    corrective_actions: tuple[uuid.UUID, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "audit_id": str(self.audit_id),
            "revision": self.revision,
            "unit_id": self.unit_id,
            "period": self.period,
            "status": self.status,
            "corrective_actions": [str(action) for action in self.corrective_actions],
        }


async def submit_audit(uow: UnitOfWork, context: Context, draft: AuditDraft) -> AuditAccepted:
    """A unit 5S audit; each finding (item scored 0–1) opens a corrective action; the photos its
    items cite become its evidence. Errors: 422 ``unknown_unit``, the domain's
    (``domain/audits.py``), ``cite_evidence``'s; 409 ``period_closed``; 403 ``own_unit``."""
    session, principal = uow.session, context.principal
    await check_unit(session, context.ward, draft.unit_id)
    # The auditor's unit as the org chart has it now (the command pipeline's seat step).
    check_auditor(context.seat.unit_id, draft.unit_id)
    check_period(draft.period, draft.performed_at, context.policy, context.now)
    catalog = await catalog_in_use(session, draft.catalog_version, context.now)
    state = AuditState(
        revision=1,
        period=draft.period,
        performed_at=draft.performed_at,
        catalog_version=catalog.version,
        items=score_items(catalog, draft.items),
    )
    await check_period_open(session, context, draft.period)

    data = AuditSubmittedData(
        audit_id=uuid.uuid4(),
        unit_id=draft.unit_id,
        auditor_id=principal.subject_id,
        **state.model_dump(),
    )
    await audits.insert(session, data, context.ward, context.now)
    await cite_evidence(session, context, data.audit_id, draft.unit_id, draft.items)
    await _record(uow, context, data.audit_id, "submitted", state, None)
    uow.emit(AuditSubmitted(**context.envelope(draft.performed_at), data=data))
    opened = await open_corrective_actions(
        uow, context, data.audit_id, draft.unit_id, state, draft.items
    )
    return AuditAccepted(data.audit_id, 1, draft.unit_id, draft.period, "live", opened)


async def amend_audit(
    uow: UnitOfWork,
    context: Context,
    audit_id: uuid.UUID,
    items: Sequence[ItemInput],
    reason: str,
) -> AuditAccepted:
    """Replace an audit's scores: the event carries the new state and the one it replaces;
    findings gone close their actions, new ones open theirs."""
    reason, row, previous = await _correction(uow, context, audit_id, reason)
    catalog = await get_catalog(uow.session, row.catalog_version)
    state = previous.model_copy(
        update={"revision": row.revision + 1, "items": score_items(catalog, items)}
    )
    await audits.set_revision(uow.session, audit_id, state.revision, context.now)
    await cite_evidence(uow.session, context, audit_id, row.unit_id, items)
    await _record(uow, context, audit_id, "amended", state, reason)
    data = described_by(AuditAmendedData, row, reason=reason, replaces=previous, **dict(state))
    uow.emit(AuditAmended(**context.envelope(), data=data))
    opened = await open_corrective_actions(uow, context, audit_id, row.unit_id, state, items)
    await close_superseded_actions(
        uow,
        context,
        audit_id,
        {item.code for item in findings(state.items)},
        f"Đóng tự động: phiếu đánh giá đã được sửa, tiêu chí không còn điểm thấp ({reason})",
    )
    return AuditAccepted(audit_id, state.revision, row.unit_id, row.period, "live", opened)


async def withdraw_audit(
    uow: UnitOfWork, context: Context, audit_id: uuid.UUID, reason: str
) -> AuditAccepted:
    """Withdraw an audit: its scores count no more and its open actions close."""
    reason, row, previous = await _correction(uow, context, audit_id, reason)
    revision = row.revision + 1
    await audits.set_revision(uow.session, audit_id, revision, context.now, status="withdrawn")
    withdrawn = previous.model_copy(update={"revision": revision})
    await _record(uow, context, audit_id, "withdrawn", withdrawn, reason)
    data = described_by(
        AuditWithdrawnData, row, revision=revision, reason=reason, replaces=previous
    )
    uow.emit(AuditWithdrawn(**context.envelope(), data=data))
    await close_superseded_actions(
        uow, context, audit_id, set(), f"Đóng tự động: phiếu đánh giá đã được rút lại ({reason})"
    )
    return AuditAccepted(audit_id, revision, row.unit_id, row.period, "withdrawn")


async def _record(
    uow: UnitOfWork,
    context: Context,
    audit_id: uuid.UUID,
    change: str,
    state: AuditState,
    reason: str | None,
) -> None:
    await audits.record_revision(
        uow.session, audit_id, change, state, reason, context.principal.subject_id, context.now
    )


async def _correction(
    uow: UnitOfWork, context: Context, audit_id: uuid.UUID, reason: str
) -> tuple[str, Row[Any], AuditState]:
    """What an amendment and a withdrawal start from: the reason, stripped (422
    ``reason_required``), the audit, locked, meeting the rules every correction meets
    (:func:`_live_audit`), and its state now (the revision the correction replaces)."""
    reason = required_reason(reason)
    row = await _live_audit(uow, context, audit_id)
    return reason, row, await audits.state_at(uow.session, audit_id, row.revision)


async def _live_audit(uow: UnitOfWork, context: Context, audit_id: uuid.UUID) -> Row[Any]:
    """The audit to amend or withdraw, locked, with the rules every correction meets: 404
    ``unknown_audit``, 409 ``audit_withdrawn``, 403 ``not_audit_author``, 403 ``own_unit``
    (its author has since moved into the unit audited: nobody corrects an audit of their own
    unit), 409 ``period_closed``."""
    row = found(
        await locked(uow.session, audit_table, "audit_id", audit_id, context.ward),
        "unknown_audit",
        "audit_id",
    )
    if row.status == "withdrawn":
        raise Refusal(Kind.CONFLICT, "audit_withdrawn", "audit_id")
    if row.auditor_id != context.principal.subject_id:
        raise Refusal(Kind.FORBIDDEN, "not_audit_author", "audit_id")
    check_auditor(context.seat.unit_id, row.unit_id, "audit_id")
    await check_period_open(uow.session, context, row.period)
    return row
