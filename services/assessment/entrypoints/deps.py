"""What every route of the assessment API shares: the database, the callers it requires, the
idempotency key, and :func:`submit`, which hands a body to the command table (the same one the
NATS intake uses)."""

from __future__ import annotations

import re
from inspect import Parameter, Signature
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from contracts.intake import Body
from contracts.periods import MonthKey
from contracts.roles import Role
from services.assessment.handlers.commands import PEOPLE, Submissions
from services.runtime.auth import Principal
from services.runtime.db import SessionFactory
from services.runtime.http import Caller, IdempotencyKey, error_responses, require

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

#: Errors every submission may answer besides its own.
SUBMISSION_ERRORS = (400, 401, 403, 409, 413, 422)


def submissions_of(request: Request) -> Submissions:
    """The command table the composition root bound to this app."""
    submissions: Submissions = request.app.state.submissions
    return submissions


async def submit(
    request: Request, body: BaseModel, caller: Principal, key: str | None
) -> JSONResponse:
    """Dispatch ``body`` by its model class through the command pipeline."""
    status, answer = await submissions_of(request).execute(caller, body, key)
    return JSONResponse(answer, status_code=status)


def command_route(
    router: APIRouter,
    method: str,
    path: str,
    name: str,
    command: type[BaseModel],
    *,
    summary: str,
    errors: tuple[int, ...] = (),
    doc: str | None = None,
    param: Any = None,
    **options: Any,
) -> None:
    """Declare the route of one person's command, handed to :func:`submit` with the caller and
    the ``Idempotency-Key``. On a path without a parameter ``command`` is the request body
    itself; on one with a parameter (``/audits/{audit_id}/amend``) it is the ``...Command``
    that adds that field to the body it extends (``AuditAmendCommand(AuditAmendIn)``): its base
    is the request body (none when the base is ``Body``), the parameter is read from the path
    as the command's field is typed (or as ``param``, an annotation that says more), and the
    two make the command. ``name`` and ``doc`` are the endpoint's (its OpenAPI operation and
    description); the answers are ``SUBMISSION_ERRORS`` and ``errors``; ``options`` go to
    FastAPI's route (``status_code``, ``response_model``, ``tags``)."""
    target = next(iter(re.findall(r"{(\w+)}", path)), None)
    body: type[BaseModel] | None = command
    if target is not None:
        base = command.__base__
        body = base if base is not None and base is not Body else None

    async def endpoint(
        request: Request, caller: Principal, key: str | None = None, **given: Any
    ) -> JSONResponse:
        if target is None:
            return await submit(request, given["body"], caller, key)
        fields = given.pop("body").model_dump() if body is not None else {}
        return await submit(request, command(**given, **fields), caller, key)

    named = Parameter.KEYWORD_ONLY
    parameters = [Parameter("request", named, annotation=Request)]
    if target is not None:
        typed = param if param is not None else command.model_fields[target].annotation
        parameters.append(Parameter(target, named, annotation=typed))
    if body is not None:
        parameters.append(Parameter("body", named, annotation=body))
    parameters += [
        Parameter("caller", named, annotation=Caller),
        Parameter("key", named, annotation=IdempotencyKey, default=None),
    ]
    endpoint.__signature__ = Signature(parameters, return_annotation=JSONResponse)  # type: ignore[attr-defined]
    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = doc
    router.add_api_route(
        path,
        endpoint,
        methods=[method],
        responses=error_responses(*SUBMISSION_ERRORS, *errors),
        summary=summary,
        **options,
    )
