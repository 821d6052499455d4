"""One origin for the pages and the APIs: ``/api/<service>/<path>`` goes to that service's
``/<path>`` (docs/ARCHITECTURE.md, "The web front-end").

A request with its own ``Authorization`` header (an API client) is passed on as it is. A page's
request carries the session cookie instead: the gateway sends the person's own access token
(renewed when ending) and, for anything but a read, first checks the ``X-CSRF-Token`` header
against the CSRF cookie; a page's request whose session has ended is refused here (401
``not_signed_in``). The answer comes back as the service gave it, ``{"error": {...}}``
refusals included, in the language chosen on the pages."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from services.runtime.clients import client_address
from services.runtime.errors import pick_language
from services.runtime.refusals import Kind, Refusal
from services.web.adapters.upstream import FORWARDED_REQUEST
from services.web.entrypoints.cookies import CSRF_COOKIE, CSRF_HEADER
from services.web.entrypoints.deps import current_session, web_of

router = APIRouter(include_in_schema=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@router.api_route(
    "/api/{service}/{path:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
)
async def gateway(request: Request, service: str, path: str) -> Response:
    web = web_of(request)
    web.upstream.url(service, path)  # 404 unknown_service before anything else
    headers = {name: request.headers[name] for name in FORWARDED_REQUEST if name in request.headers}
    token = None
    lang = pick_language(request.headers.get("accept-language"))
    # A page's call (its session cookie, or the CSRF cookie every page sets, that outlives a
    # session) never goes on anonymously: its session ended, it is told so in the page's words
    # (sign in again; a queued submission waits for it), not the service's technical 401.
    from_page = web.cookies.session(request) is not None or CSRF_COOKIE in request.cookies
    if "authorization" not in headers and from_page:
        if request.method not in SAFE_METHODS:
            web.cookies.check_csrf(request, request.headers.get(CSRF_HEADER))
        session = await current_session(request)
        if session is None:
            raise Refusal(Kind.UNAUTHENTICATED, "not_signed_in")
        token, lang = session.access, web.cookies.lang(request)
    answer = await web.upstream.call(
        service,
        request.method,
        path,
        token=token,
        lang=lang,
        headers=headers,
        params=list(request.query_params.multi_items()),
        content=await request.body(),
        client=client_address(),
    )
    return Response(answer.body, status_code=answer.status, headers=dict(answer.headers))
