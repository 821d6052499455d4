"""The HTTP route of one person's command, declared the same way in every service: the path's
parameter and the request body make the command, handed with the caller and the
``Idempotency-Key`` to the service's command pipeline (``services.runtime.commands``), whose
answer and status are the route's."""

from __future__ import annotations

import re
from collections.abc import Callable
from inspect import Parameter, Signature
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.runtime.auth import Principal
from services.runtime.commands import Commands
from services.runtime.http import Caller, IdempotencyKey, error_responses


async def run(
    commands: Commands[Any], caller: Principal, body: BaseModel, key: str | None
) -> JSONResponse:
    """``body`` run by the service's command pipeline for ``caller``: its answer, with its
    status."""
    status, answer = await commands.execute(caller, body, key)
    return JSONResponse(answer, status_code=status)


def _request_body(command: type[BaseModel], target: str | None) -> type[BaseModel] | None:
    """The part of ``command`` the request's body carries: on a path without a parameter the
    command itself; with one, the model the command extends by that field. None when that part
    has no field (the command is the path's parameter alone, or nothing)."""
    body = command if target is None else command.__base__
    if body is None or not issubclass(body, BaseModel) or not body.model_fields:
        return None
    return body


def command_route(
    router: APIRouter,
    method: str,
    path: str,
    name: str,
    command: type[BaseModel],
    *,
    pipeline: Callable[[Request], Commands[Any]],
    summary: str,
    errors: tuple[int, ...] = (),
    shared_errors: tuple[int, ...] = (),
    doc: str | None = None,
    param: Any = None,
    body: type[BaseModel] | None = None,
    caller: Any = Caller,
    **options: Any,
) -> None:
    """Declare the route of the command ``command`` (a model the pipeline has an entry for).

    On a path with a parameter (``/audits/{audit_id}/amend``) the command is a model that adds
    that field to the body it extends (``AuditAmendCommand(AuditAmendIn)``): the parameter is
    read from the path as the command's field is typed (or as ``param``, an annotation that
    says more) and the base is the request body (none when it declares no field). On a path
    without one the command is the body itself (none when it has no field). ``body`` names the
    request body instead, for a command that does not extend it. ``pipeline(request)`` runs
    it for ``caller`` (a dependency answering the principal: any authenticated one unless
    given). ``name`` and ``doc`` are the endpoint's (its OpenAPI operation and description),
    ``shared_errors`` (the service's, bound with :func:`functools.partial`) and ``errors`` the
    statuses it documents besides those every operation does (``http.SHARED_ERRORS``);
    ``options`` go to FastAPI's route (``status_code``, ``response_model``, ``tags``)."""
    target = next(iter(re.findall(r"{(\w+)}", path)), None)
    carried = body if body is not None else _request_body(command, target)
    whole = target is None and carried is command

    async def endpoint(
        request: Request, caller: Principal, key: str | None = None, **given: Any
    ) -> JSONResponse:
        if whole:
            made = given["body"]
        else:
            fields = given.pop("body").model_dump() if carried is not None else {}
            made = command(**given, **fields)
        return await run(pipeline(request), caller, made, key)

    named = Parameter.KEYWORD_ONLY
    parameters = [Parameter("request", named, annotation=Request)]
    if target is not None:
        typed = param if param is not None else command.model_fields[target].annotation
        parameters.append(Parameter(target, named, annotation=typed))
    if carried is not None:
        parameters.append(Parameter("body", named, annotation=carried))
    parameters += [
        Parameter("caller", named, annotation=caller),
        Parameter("key", named, annotation=IdempotencyKey, default=None),
    ]
    endpoint.__signature__ = Signature(parameters, return_annotation=JSONResponse)  # type: ignore[attr-defined]
    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = doc
    router.add_api_route(
        path,
        endpoint,
        methods=[method],
        responses=error_responses(*shared_errors, *errors),
        summary=summary,
        **options,
    )
