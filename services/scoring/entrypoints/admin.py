"""Operations on the scoring projection, for the ward's IT (quản trị)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from contracts.roles import Role
from services.runtime.auth import Principal
from services.runtime.broker import jetstream
from services.runtime.http import error_responses, require
from services.scoring.rebuild import nats_access, rebuild

router = APIRouter(prefix="/v1/admin", tags=["operations"])


@router.post(
    "/rebuild",
    responses=error_responses(401, 403),
    summary="Replay the ASSESSMENT stream into a fresh projection and swap it in",
)
async def rebuild_projection(
    request: Request, _: Annotated[Principal, Depends(require(Role.ADMIN))]
) -> dict[str, Any]:
    runtime = request.app.state.runtime
    consumer = runtime.consumers[0].spec.name
    report = await rebuild(
        jetstream(runtime.broker),
        runtime.sessions,
        request.app.state.scoring,
        consumer,
        nats=nats_access(runtime.settings),
    )
    return asdict(report)
