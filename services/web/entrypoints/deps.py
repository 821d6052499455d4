"""What every edge of the web front-end needs: its parts (``app.state.web``), the caller's
session (renewed when its token is ending), and rendering a page."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from fastapi import Request
from fastapi.responses import HTMLResponse

from contracts.common import LOCAL_TZ
from contracts.figures import exact_figures
from services.runtime.clock import Now
from services.web.adapters.ended_sessions import EndedSessions
from services.web.adapters.upstream import Answer, Upstream
from services.web.domain.sessions import WebSession
from services.web.entrypoints.cookies import Cookies
from services.web.handlers.sessions import Refresher
from services.web.settings import WebSettings
from services.web.views.leaders import with_period
from services.web.views.render import render


@dataclass(frozen=True)
class Web:
    settings: WebSettings
    upstream: Upstream
    refresher: Refresher
    cookies: Cookies
    clock: Now
    ended: EndedSessions


def web_of(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def ward_today(request: Request) -> date:
    """The ward's date now (Asia/Ho_Chi_Minh), by the front-end's clock: what is due or open
    today is judged by it."""
    return web_of(request).clock.now().astimezone(LOCAL_TZ).date()


class SignInFirst(Exception):
    """The page needs a signed-in caller: answered by a redirect to the sign-in page."""


class NotForRole(Exception):
    """The caller's role has no business on this page: answered 403 with a page saying so."""


async def current_session(request: Request) -> WebSession | None:
    """The caller's session with a token that lasts a while yet (renewed through assessment's
    refresh when it is ending; the new cookie is set on the answer), or None; None too for a
    session signed out, whatever its cookie still holds (a copy of it is worth nothing)."""
    web = web_of(request)
    session = web.cookies.session(request)
    if session is None:
        return None
    if await web.ended.ended(request.state.sid):
        request.state.signed_out = True
        return None
    fresh = await web.refresher.fresh(session, web.clock.now())
    if fresh is not session:
        request.state.renewed = fresh
        if fresh is None:
            request.state.signed_out = True
    return fresh


async def require(request: Request, roles: Collection[str] | None = None) -> WebSession:
    """The signed-in caller (else :class:`SignInFirst`) of one of ``roles`` (else
    :class:`NotForRole`); any role when ``roles`` is None."""
    session = await current_session(request)
    if session is None:
        raise SignInFirst()
    if roles is not None and session.role not in roles:
        raise NotForRole()
    return session


class PeriodPage(NamedTuple):
    """What a page of one period starts with (:func:`period_page`)."""

    session: WebSession
    lang: str
    periods: list[str]
    period: str


async def period_page(
    request: Request,
    roles: Collection[str],
    offered: Callable[[datetime], list[str]],
    period: str | None,
    default: int = 0,
) -> PeriodPage:
    """The caller of ``roles`` (:func:`require`), the page's language, the periods the page
    ``offered`` at the front-end's clock's now, and the one it shows: ``period`` as asked, else
    the ``default``-th offered. The one shown is always among the periods offered
    (``with_period``), so the picker selects what the heading says."""
    session = await require(request, roles)
    web = web_of(request)
    periods = offered(web.clock.now())
    shown = period or periods[default]
    return PeriodPage(session, web.cookies.lang(request), with_period(periods, shown), shown)


async def call_as(
    request: Request,
    session: WebSession | None,
    service: str,
    method: str,
    path: str,
    **sent: Any,
) -> Answer:
    """One request to ``service`` on the caller's behalf: with ``session``'s token (none for
    None: a link's own token, a sign-in) and the page's language; ``sent`` is the rest of
    :meth:`Upstream.call`'s (headers, params, json, content, client)."""
    web = web_of(request)
    token = session.access if session else None
    lang = web.cookies.lang(request)
    return await web.upstream.call(service, method, path, token=token, lang=lang, **sent)


async def read_as(
    request: Request, session: WebSession, service: str, path: str, **params: Any
) -> Any:
    """A JSON read of ``service``'s ``path`` on the caller's behalf (``session``'s token, the
    page's language); the service's refusal raised as the same refusal here
    (:meth:`Upstream.read`), so a page says what the service said. Scoring's figures come
    exact (``contracts.figures.exact_figures``), whichever service passes them on."""
    web = web_of(request)
    answer = await web.upstream.read(
        service, path, session.access, web.cookies.lang(request), **params
    )
    return exact_figures(answer)  # scoring's figures exact, rounded once by the page


def page(
    request: Request,
    template: str,
    session: WebSession | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page ``template`` in the caller's language, with their CSRF token and session;
    ``address`` in ``context``: where the page is opened again when drawn in answer to a form
    (``forms.form_state``)."""
    cookies = web_of(request).cookies
    address = context.pop("address", None)
    html = render(
        template,
        cookies.lang(request),
        csrf=cookies.csrf(request),
        session=session,
        path=request.url.path,
        # The language switch comes back here, the page's query kept (its period, its unit);
        # a page drawn again after a refusal, to the page's own address (forms.page_address).
        here=address or _here(request),
        address=address,
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"cache-control": "private, no-cache"})


def _here(request: Request) -> str:
    return f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path
