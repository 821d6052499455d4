"""Operations on the scoring projection, for the ward's IT (quản trị)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from contracts.roles import Role
from contracts.scoring_commands import RebuildCommand
from services.runtime.auth import Principal
from services.runtime.command_routes import command_route
from services.runtime.http import require
from services.scoring.adapters import rebuild_runs
from services.scoring.entrypoints.http import commands_of

router = APIRouter(prefix="/v1/admin", tags=["operations"])
#: The ward's IT, who alone runs and watches a rebuild.
ScoringAdmin = Annotated[Principal, Depends(require(Role.ADMIN))]


command_route(
    router,
    "POST",
    "/rebuild",
    "rebuild_projection",
    RebuildCommand,
    pipeline=commands_of,
    caller=ScoringAdmin,
    summary="Replay the ASSESSMENT stream into a fresh projection and swap it in",
    doc="Answers the rebuild's report: events replayed, sequence reached, seconds, rows per\n"
    "table, peak memory.",
)


@router.get(
    "/rebuild",
    summary="How far the running rebuild is (one runs at a time)",
)
async def rebuild_progress(request: Request, caller: ScoringAdmin) -> dict[str, Any]:
    """``{"running": false}``, or the running rebuild's ``stage`` (reading, writing,
    catching_up, swapping), events ``done`` of ``total``, ``percent``, ``started_at`` and
    ``heartbeat_at`` (UTC, ISO 8601) and ``eta_s``, the seconds left at its pace so far (None
    before it has read anything). Written by whichever instance or command runs it."""
    running = await rebuild_runs.current(request.app.state.runtime.sessions)
    if running is None:
        return {"running": False}
    elapsed = (running.heartbeat_at - running.started_at).total_seconds()
    left = max(running.total - running.done, 0)
    return {
        "running": True,
        "stage": running.stage,
        "done": running.done,
        "total": running.total,
        "percent": round(100 * running.done / running.total, 1) if running.total else 0.0,
        "started_at": running.started_at.isoformat(),
        "heartbeat_at": running.heartbeat_at.isoformat(),
        "eta_s": round(elapsed * left / running.done, 1) if running.done else None,
    }
