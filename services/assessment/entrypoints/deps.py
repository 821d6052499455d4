"""What every route of the assessment API shares: the database, the callers it requires, the
idempotency key, and :func:`submit`, which hands a body to the command table (the same one the
NATS intake uses)."""

from __future__ import annotations

from collections.abc import Callable
from inspect import Parameter, Signature
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

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
    *,
    summary: str,
    body: type[BaseModel] | None = None,
    command: Callable[..., BaseModel] | None = None,
    target: tuple[str, Any] | None = None,
    errors: tuple[int, ...] = (),
    doc: str | None = None,
    **options: Any,
) -> None:
    """Declare the route of one person's command: the path's ``target`` (its name and type, e.g.
    ``("audit_id", uuid.UUID)``) and the fields of ``body`` make ``command`` (the body itself
    when there is no ``command``), handed to :func:`submit` with the caller and the
    ``Idempotency-Key``. ``name`` and ``doc`` are the endpoint's (its OpenAPI operation and
    description); the answers are ``SUBMISSION_ERRORS`` and ``errors``; ``options`` go to
    FastAPI's route (``status_code``, ``response_model``, ``tags``)."""

    async def endpoint(
        request: Request, caller: Principal, key: str | None = None, **given: Any
    ) -> JSONResponse:
        if command is None:
            return await submit(request, given["body"], caller, key)
        fields = given.pop("body").model_dump() if body is not None else {}
        return await submit(request, command(**given, **fields), caller, key)

    named = Parameter.KEYWORD_ONLY
    parameters = [Parameter("request", named, annotation=Request)]
    if target is not None:
        parameters.append(Parameter(target[0], named, annotation=target[1]))
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
