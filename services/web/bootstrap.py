"""The composition root of the web front-end: settings, its texts, the services' client, the
cookies, the pages, the gateway, the static files and the service worker. No database: it keeps
nothing but what a browser holds (``Runtime(settings)`` without metadata)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.runtime.broker import jetstream
from services.runtime.cli import Command
from services.runtime.clock import SystemClock
from services.runtime.errors import from_validation_errors, pick_language
from services.runtime.refusals import (
    Kind,
    Refusal,
    error_body,
    read_messages,
    register_messages,
)
from services.runtime.service import Runtime
from services.runtime.settings import ServiceSettings, own_settings
from services.web.adapters.ended_sessions import EndedSessions
from services.web.adapters.upstream import Upstream, UpstreamRefusal
from services.web.domain.texts import page_key
from services.web.entrypoints import board, classification, devices, gateway, leaders, pages
from services.web.entrypoints.cookies import CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE, Cookies
from services.web.entrypoints.deps import NotForRole, SignInFirst, Web, page
from services.web.handlers.sessions import Refresher
from services.web.settings import WebSettings, web_settings
from services.web.views.render import CHART_LIBRARY, STATIC

NAME = "web"
#: A request holding one of these comes from a browser of these pages.
BROWSER_COOKIES = (SESSION_COOKIE, CSRF_COOKIE, LANG_COOKIE)
#: The web front-end has no database (so no ``migrate`` command).
MIGRATIONS: Path | None = None
#: The web front-end's own refusals (its JSON endpoints answer ``{"error": {...}}`` like the
#: services), registered at start-up.
MESSAGES = Path(__file__).parent / "domain" / "messages.yaml"


COMMANDS = {
    "qr-link": Command(
        "print the QR rating page's address for a QR device's credential",
        devices.run_qr_link_command,
        devices.configure_qr_link_command,
    )
}


def settings() -> WebSettings:
    return web_settings()


def build_app(config: ServiceSettings | None = None) -> FastAPI:
    config = own_settings(WebSettings, config, web_settings)
    register_messages(read_messages(MESSAGES))
    runtime = Runtime(config)
    upstream = Upstream(config.upstream(), config.upstream_timeout_s)
    web = Web(
        settings=config,
        upstream=upstream,
        refresher=Refresher(upstream),
        cookies=Cookies(config.session_key, config.session_hours, config.cookie_secure),
        clock=SystemClock(),
        ended=EndedSessions(lambda: jetstream(runtime.broker), config.session_hours * 3600),
    )

    async def _ended_sessions() -> None:
        await web.ended.ensure()

    runtime.on_start(_ended_sessions)
    app = runtime.http_app(
        title="ward5s web",
        description="The pages people submit from, and the gateway to the services' APIs.",
        routers=[
            pages.router,
            devices.router,
            leaders.router,
            classification.router,
            board.router,
            gateway.router,
        ],
    )
    app.state.web = web
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/sw.js", include_in_schema=False)
    async def service_worker() -> FileResponse:
        # Served from the root so that it may control every page of the site.
        return FileResponse(
            STATIC / "sw.js",
            media_type="text/javascript",
            headers={"cache-control": "no-cache", "service-worker-allowed": "/"},
        )

    @app.get("/favicon.ico", include_in_schema=False)
    async def icon() -> FileResponse:
        # Where a browser asks first for a site's icon: from the static files, no 404.
        return FileResponse(
            STATIC / "favicon.ico",
            media_type="image/x-icon",
            headers={"cache-control": "public, max-age=86400"},
        )

    @app.get("/vendor/chart.umd.min.js", include_in_schema=False)
    async def chart_library() -> FileResponse:
        # Chart.js, installed with npm from charts/package-lock.json (make charts): served
        # from this origin, so no page loads anything from the internet.
        if not CHART_LIBRARY.exists():
            raise Refusal(Kind.NOT_FOUND, "not_found")
        return FileResponse(
            CHART_LIBRARY,
            media_type="text/javascript",
            headers={"cache-control": "public, max-age=86400"},
        )

    @app.middleware("http")
    async def _cookies(request: Request, call_next: Any) -> Response:
        """Set what a handler decided about the browser's cookies: a renewed session, an ended
        one, a new CSRF token; and forbid framing and outside scripts on every answer."""
        response: Response = await call_next(request)
        if getattr(request.state, "signed_out", False):
            web.cookies.end_session(response, request)
        elif getattr(request.state, "renewed", None) is not None:
            sid = getattr(request.state, "sid", None)
            web.cookies.keep_session(response, request, request.state.renewed, sid)
        if getattr(request.state, "csrf", None) and "w5_csrf" not in request.cookies:
            web.cookies.keep_csrf(response, request)
        response.headers.setdefault("content-security-policy", CSP)
        response.headers.setdefault("x-content-type-options", "nosniff")
        response.headers.setdefault("referrer-policy", "same-origin")
        return response

    @app.exception_handler(SignInFirst)
    async def _sign_in_first(request: Request, _: SignInFirst) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={target}", status_code=303)

    @app.exception_handler(NotForRole)
    async def _not_for_role(request: Request, _: NotForRole) -> Response:
        session = web.cookies.session(request)
        return page(request, "message.html", session, 403, message_key="forbidden_page")

    def refused(request: Request, body: dict[str, Any], status: int) -> Response:
        """A browser's page load or form gets a page saying why; anything else (the gateway,
        the pages' scripts) the project's ``{"error": {...}}``."""
        if wants_page(request):
            session = web.cookies.session(request)
            text = body["error"]["message"]
            name = page_key(request.url.path)
            return page(request, "message.html", session, status, message=text, page_key=name)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(Refusal)
    async def _refused(request: Request, error: Refusal) -> Response:
        """A service's refusal keeps the service's own words."""
        body = error.body(language_of(request, web.cookies))
        if isinstance(error, UpstreamRefusal) and error.message:
            body["error"]["message"] = error.message
        return refused(request, body, error.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        """A wrong query (``?period=2025-13``) or form, said as the services say it."""
        status, code, field, params = from_validation_errors(error.errors())
        lang = language_of(request, web.cookies)
        return refused(request, error_body(code, field, lang, **params), status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        """A wrong address (404), a method the route does not take (405)."""
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "invalid")
        body = error_body(code, None, language_of(request, web.cookies))
        return refused(request, body, error.status_code)

    return app


def wants_page(request: Request) -> bool:
    """A browser's page load or form (it accepts HTML), not a script's call or the
    gateway's."""
    accepted = request.headers.get("accept", "")
    return "text/html" in accepted and not request.url.path.startswith("/api/")


def language_of(request: Request, cookies: Cookies) -> str:
    """The language of a refusal: the page's (the switch's, Vietnamese by default) for the
    pages, their forms and scripts and for a browser of these pages calling through the gateway
    (it holds their cookies); the caller's ``Accept-Language`` for another client of the
    gateway."""
    browser = any(name in request.cookies for name in BROWSER_COOKIES)
    if browser or not request.url.path.startswith("/api/"):
        return cookies.lang(request)
    return pick_language(request.headers.get("accept-language"))


#: Everything from this origin only: scripts, styles, images (photos are drawn to blob: and
#: data: URLs in the page), connections; never framed.
CSP = (
    "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
