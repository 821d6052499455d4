"""What every route of the assessment API shares: the database, the callers it requires, the
idempotency key, and :func:`submit`, which hands a body to the command table (the same one the
NATS intake uses)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from contracts.periods import MonthKey
from contracts.roles import Role
from services.assessment.handlers.commands import PEOPLE, Submissions
from services.runtime.auth import Principal
from services.runtime.command_routes import command_route as declare
from services.runtime.command_routes import run
from services.runtime.db import SessionFactory
from services.runtime.http import app_state, require

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def sessions(request: Request) -> SessionFactory:
    factory: SessionFactory = request.app.state.runtime.sessions
    return factory


Sessions = Annotated[SessionFactory, Depends(sessions)]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
#: The ward's officials: every role but the kiosks and integrations (devices).
Person = Annotated[Principal, Depends(require(*PEOPLE))]
Month = Annotated[str, Path(pattern=MONTH_PATTERN, description="YYYY-MM")]
#: A month asked for in the query (``?period=YYYY-MM``).
MonthQuery = Annotated[MonthKey, Query(description="YYYY-MM")]

#: Errors every submission may answer besides its own and those every operation documents
#: (``create_http_app``: 401, 403, 422, 503): a body unread or too large, a key reused.
SUBMISSION_ERRORS = (400, 409, 413)


#: The command table the composition root bound to this app.
submissions_of: Callable[[Request], Submissions] = app_state("submissions")


async def submit(
    request: Request, body: BaseModel, caller: Principal, key: str | None
) -> JSONResponse:
    """Dispatch ``body`` by its model class through the command pipeline."""
    return await run(submissions_of(request), caller, body, key)


#: The route of one person's command (:func:`services.runtime.command_routes.command_route`)
#: on this service's command table, answering ``SUBMISSION_ERRORS`` besides its own ``errors``.
command_route = partial(declare, pipeline=submissions_of, shared_errors=SUBMISSION_ERRORS)
