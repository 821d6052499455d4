"""Operations on the scoring projection, for the ward's IT (quản trị)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from contracts.roles import Role
from services.runtime.auth import Principal
from services.runtime.http import IdempotencyKey, error_responses, require
from services.scoring.entrypoints.http import execute
from services.scoring.entrypoints.schemas import RebuildCommand

router = APIRouter(prefix="/v1/admin", tags=["operations"])


@router.post(
    "/rebuild",
    responses=error_responses(401, 403),
    summary="Replay the ASSESSMENT stream into a fresh projection and swap it in",
)
async def rebuild_projection(
    request: Request,
    caller: Annotated[Principal, Depends(require(Role.ADMIN))],
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Answers the rebuild's report: events replayed, sequence reached, seconds, rows per
    table, peak memory."""
    return await execute(request, caller, RebuildCommand(), key)
