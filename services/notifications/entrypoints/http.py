"""The notifications API: each person's in-app inbox of alerts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request

from services.notifications import views
from services.runtime.errors import pick_language
from services.runtime.http import Caller, error_responses

router = APIRouter(prefix="/v1", tags=["notifications"])


@router.get(
    "/alerts", responses=error_responses(401), summary="The caller's alerts (cảnh báo của tôi)"
)
async def my_alerts(
    request: Request,
    caller: Caller,
    include_resolved: Annotated[bool, Query()] = False,
    accept_language: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    async with request.app.state.runtime.sessions() as session:
        items = await views.inbox(
            session,
            caller.ward,
            caller.subject_id,
            pick_language(accept_language),
            include_resolved,
        )
    return {"alerts": items}
