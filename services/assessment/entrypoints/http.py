"""The assessment HTTP API: parse, call a handler in a transaction, answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from contracts.roles import Role
from services.assessment import handlers
from services.assessment.domain.audits import AuditDraft, ItemInput
from services.assessment.entrypoints.schemas import AuditIn, AuditOut
from services.runtime.auth import Principal
from services.runtime.db import SessionFactory, transaction
from services.runtime.http import Caller, error_responses, require

router = APIRouter(prefix="/v1", tags=["assessment"])


def sessions(request: Request) -> SessionFactory:
    factory: SessionFactory = request.app.state.runtime.sessions
    return factory


Sessions = Annotated[SessionFactory, Depends(sessions)]
Auditor = Annotated[Principal, Depends(require(Role.AUDITOR))]


@router.post(
    "/audits",
    status_code=201,
    response_model=AuditOut,
    responses=error_responses(400, 401, 403, 409, 413, 422),
    summary="Submit a unit 5S audit (nộp phiếu đánh giá 5S)",
)
async def submit_audit(body: AuditIn, auditor: Auditor, db: Sessions) -> dict[str, Any]:
    draft = AuditDraft(
        unit_id=body.unit_id,
        period=body.period,
        performed_at=body.performed_at,
        catalog_version=body.catalog_version,
        items=[ItemInput(i.code, i.score, i.note, tuple(i.evidence)) for i in body.items],
    )
    async with transaction(db) as session:
        accepted = await handlers.submit_audit(session, auditor, draft)
    return accepted.as_json()


@router.get(
    "/catalog",
    responses=error_responses(401, 404, 422),
    summary="The criteria catalogue (bộ tiêu chí), current or by version",
)
async def get_catalog(
    caller: Caller, db: Sessions, version: Annotated[str | None, Query(max_length=32)] = None
) -> dict[str, Any]:
    async with db() as session:
        catalog = await handlers.get_catalog(session, version)
    return catalog.model_dump(mode="json", by_alias=True)
