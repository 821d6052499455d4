"""The HTTP side every service shares: JSON errors, bearer auth, request metrics, body limit,
``/healthz`` (the process is up), ``/readyz`` (database and bus reachable) and ``/metrics``."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.roles import CITY_ROLES, Role
from services.runtime.auth import InvalidToken, KeysUnavailable, Principal, TokenVerifier
from services.runtime.bodies import MAX_BODY_BYTES, BodyLimit
from services.runtime.clients import ClientAddress
from services.runtime.errors import ApiError, error_body, from_validation_errors, pick_language
from services.runtime.metrics import HTTP_DURATION, HTTP_REQUESTS
from services.runtime.refusals import Kind, Refusal
from services.runtime.settings import networks

log = logging.getLogger(__name__)

ReadinessCheck = Callable[[], Awaitable[None]]

_bearer = HTTPBearer(auto_error=False, description="A token from var/demo-tokens.json or an admin")

#: The documented error shape, for OpenAPI.
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"]},
            },
            "required": ["code", "message", "field"],
        }
    },
}


#: The error statuses every operation documents (:func:`create_http_app`): a route names only
#: its others (404, 409, 429, ...) with :func:`error_responses`.
SHARED_ERRORS = (401, 403, 422, 503)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given error statuses."""
    return {
        status: {
            "description": _STATUS_TEXT.get(status, "Error"),
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        }
        for status in statuses
    }


_STATUS_TEXT = {
    400: "Malformed request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Body too large",
    415: "Type of the body not accepted",
    422: "Invalid field",
    429: "Too many requests",
    503: "Unavailable (e.g. the keys or revocations that check tokens cannot be read now)",
}


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller named by the bearer token: 401 for a missing or refused token, 503 when the
    keys to check it cannot be had now (the issuer unreachable and none cached)."""
    if credentials is None:
        raise ApiError(401, "unauthenticated")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = await verifier.verify(credentials.credentials)
    except InvalidToken:
        raise ApiError(401, "unauthenticated") from None
    except KeysUnavailable as error:
        log.warning("token not checked: %s", error)
        raise Refusal(Kind.UNAVAILABLE, "token_keys_unavailable") from None
    # A city's token is answered only by a service that reads across the wards of a city
    # (scoring, ``serves_cities``); the ward-scoped ones refuse it outright.
    if principal.role in CITY_ROLES and not getattr(request.app.state, "serves_cities", False):
        raise ApiError(403, "forbidden")
    return principal


Caller = Annotated[Principal, Depends(authenticate)]
#: The ``Idempotency-Key`` header of a person's command (``services.runtime.commands``).
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Repeat a command safely: the same key returns the first answer",
    ),
]


def _language(accept_language: Annotated[str | None, Header()] = None) -> str:
    """The language a route answers its texts in: ``en`` or ``vi`` (the default), by the
    ``Accept-Language`` header (documented on the routes that take it)."""
    return pick_language(accept_language)


#: The caller's language, as a route's parameter (:func:`_language`).
Language = Annotated[str, Depends(_language)]


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.sessions() as session:
        yield session


#: A session of the service's database for what one route reads (declared after the caller, it
#: opens only for a caller let through), closed when the route returns, before its answer is
#: sent.
Reads = Annotated[AsyncSession, Depends(_read_session, scope="function")]


def app_state(name: str) -> Callable[[Request], Any]:
    """A reader of what the composition root set on ``app.state.<name>`` (for a route's
    ``Depends``, or called with the request), typed where it is declared:
    ``submissions_of: Callable[[Request], Submissions] = app_state("submissions")``."""

    def read(request: Request) -> Any:
        return getattr(request.app.state, name)

    read.__name__ = f"app_state_{name}"
    return read


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets through only callers with one of the roles."""

    def check(principal: Caller) -> Principal:
        if principal.role not in roles:
            raise ApiError(403, "forbidden")
        return principal

    return check


def document_shared_answers(app: FastAPI) -> None:
    """Document in each operation's OpenAPI responses what the shared machinery answers
    wherever the route is declared: 400 ``malformed`` for a body that cannot be read (not
    JSON) on every operation that takes a body, and 409 ``idempotency_key_reused`` (the key
    sent again with another body) on every operation that takes an ``Idempotency-Key``."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    answers = operation.setdefault("responses", {})
                    names = {p.get("name") for p in operation.get("parameters", [])}
                    if "requestBody" in operation:
                        answers.setdefault("400", error_responses(400)[400])
                    if "Idempotency-Key" in names:
                        answers.setdefault("409", error_responses(409)[409])
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_http_app(
    service: str,
    *,
    title: str,
    description: str,
    token_verifier: TokenVerifier,
    readiness: list[ReadinessCheck],
    metrics_token: str | None = None,
    lifespan: Any = None,
    production: bool = False,
    trusted_proxies: str = "",
) -> FastAPI:
    """A service's app, every operation documenting :data:`SHARED_ERRORS`. In ``production``
    it fails closed: no ``/docs``, ``/redoc`` nor ``/openapi.json`` (Swagger's pages load
    their scripts from a CDN, blank on a ward's intranet; the API is documented in the
    repository), and ``/metrics`` answers only the metrics token, refused to everyone when
    none is configured."""
    app = FastAPI(
        title=title,
        description=description,
        version="1.0",
        lifespan=lifespan,
        responses=error_responses(*SHARED_ERRORS),
        docs_url=None if production else "/docs",
        redoc_url=None if production else "/redoc",
        openapi_url=None if production else "/openapi.json",
    )
    app.state.token_verifier = token_verifier
    document_shared_answers(app)
    #: Routes whose bodies may exceed ``MAX_BODY_BYTES`` (an upload), by path, with their own
    #: limit, enforced on the bytes as they arrive (``services.runtime.bodies``).
    app.state.body_limits = {}

    @app.exception_handler(Refusal)
    async def _refused(request: Request, error: Refusal) -> JSONResponse:
        lang = pick_language(request.headers.get("accept-language"))
        return JSONResponse(error.body(lang), status_code=error.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        status, code, field, params = from_validation_errors(error.errors())
        lang = pick_language(request.headers.get("accept-language"))
        return JSONResponse(error_body(code, field, lang, **params), status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {
            404: "not_found",
            405: "method_not_allowed",
            401: "unauthenticated",
            403: "forbidden",
            413: "too_large",
        }.get(error.status_code, "invalid")
        lang = pick_language(request.headers.get("accept-language"))
        return JSONResponse(
            error_body(code, None, lang, limit=MAX_BODY_BYTES), status_code=error.status_code
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, error: Exception) -> JSONResponse:
        # Logged by type and route only: bodies may hold personal data.
        log.error(
            "unhandled %s on %s %s",
            type(error).__name__,
            request.method,
            request.url.path,
            exc_info=error,
        )
        lang = pick_language(request.headers.get("accept-language"))
        return JSONResponse(error_body("internal", None, lang), status_code=500)

    @app.middleware("http")
    async def _measure(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        response: Response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        HTTP_REQUESTS.labels(service, request.method, path, str(response.status_code)).inc()
        HTTP_DURATION.labels(service, request.method, path).observe(time.perf_counter() - started)
        return response

    # Outside every other layer: a body is counted, and cut off past its route's limit, before
    # anything (authentication included) reads it (services.runtime.bodies).
    app.add_middleware(BodyLimit, limits=app.state.body_limits)
    # The client's address for handlers that limit per client (services.runtime.clients).
    app.add_middleware(ClientAddress, proxies=networks(trusted_proxies))

    @app.get("/healthz", tags=["operations"], include_in_schema=True)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers. Open to probes; tells nothing about the ward."""
        return {"status": "ok", "service": service}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> JSONResponse:
        """Readiness: the database and the bus are reachable."""
        problems = []
        for check in readiness:
            try:
                await check()
            except Exception as error:  # a failed check is the answer, not a crash
                problems.append(f"{check.__name__}: {type(error).__name__}")
        body = {"status": "ready" if not problems else "not ready", "problems": problems}
        return JSONResponse(body, status_code=200 if not problems else 503)

    @app.get(
        "/metrics",
        tags=["operations"],
        response_class=Response,
        responses={
            200: {"description": "Prometheus' text format", "content": {CONTENT_TYPE_LATEST: {}}},
            **error_responses(401),
        },
    )
    async def metrics(request: Request) -> Response:
        """Prometheus metrics; asks for the metrics bearer token when one is configured (always
        in production), compared in constant time."""
        if metrics_token or production:
            expected = f"Bearer {metrics_token}".encode() if metrics_token else None
            given = request.headers.get("authorization", "").encode()
            if expected is None or not hmac.compare_digest(given, expected):
                raise ApiError(401, "unauthenticated")
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
