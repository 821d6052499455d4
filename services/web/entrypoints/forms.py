"""The one way the pages' forms are sent: the caller's role and the form's CSRF token checked,
the body posted to a service under the form's idempotency key (a form sent twice is one
submission), then either a redirect to the page with what was done (``?done=``) or the page
drawn again with the service's refusal and what was typed (``templates/forms.html``)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.web.adapters.upstream import Answer, refusal_of
from services.web.domain.sessions import WebSession
from services.web.entrypoints.deps import call_as, require, web_of

#: A form's fields that are not what a person typed.
UNTYPED = {"csrf", "key"}


@dataclass(frozen=True)
class Refused:
    """A form the service refused, for its page to be drawn again: the ``form`` as sent, the
    service's ``message`` (in the page's language) and the HTTP ``status`` the page answers."""

    form: Any
    message: str
    status: int

    @classmethod
    def of(cls, form: Any, answer: Answer) -> Refused:
        """The service's refusal ``answer`` (status 400 or more) of ``form``."""
        refusal = refusal_of(answer)
        return cls(form, refusal.message, refusal.status)

    @property
    def period(self) -> str | None:
        """The form's ``period`` field (the period its page showed), None where it had none."""
        return str(self.form.get("period") or "") or None


def form_state(request: Request, refused: Refused | None = None) -> dict[str, Any]:
    """What a page whose forms go through :func:`send` shows of the last sending, as
    :func:`deps.page`'s arguments: its ``status`` (the refusal's, else 200), the service's
    refusal (``error``), what was done (``done``: the back address's ``?done=``, ``outcome`` in
    ``templates/forms.html``), a new key for the next form (sent twice, it is one), and what
    was typed in the refused form (``typed``: field name -> text, empty otherwise), which the
    form is drawn again with so that nothing written is lost to a refusal."""
    sent = refused.form.multi_items() if refused is not None else []
    return {
        "status": refused.status if refused is not None else 200,
        "error": refused.message if refused is not None else None,
        "done": request.query_params.get("done") or "",
        "key": uuid.uuid4().hex,
        "typed": {k: v for k, v in sent if isinstance(v, str) and k not in UNTYPED},
    }


async def posted_form(
    request: Request, roles: Collection[str], **limits: Any
) -> tuple[WebSession, Any]:
    """The signed-in caller of one of ``roles`` (``deps.require``) and the form they sent, whose
    ``csrf`` field must match the CSRF cookie (else refused, ``Cookies.check_csrf``);
    ``limits`` Starlette's form limits (``max_files``, ``max_part_size``)."""
    session = await require(request, roles)
    form = await request.form(**limits)
    web_of(request).cookies.check_csrf(request, str(form.get("csrf") or ""))
    return session, form


def form_key(form: Any) -> str:
    """The form's idempotency key (its ``key`` field, cut to 100 characters; a new one where it
    has none)."""
    return str(form.get("key") or uuid.uuid4().hex)[:100]


async def post_as(
    request: Request, session: WebSession | None, service: str, path: str, key: str, **sent: Any
) -> Answer:
    """A POST to ``service``'s ``path`` as the caller (with no session, as the link's token
    says) under the idempotency ``key`` (a new one where empty): sent twice, it is one command;
    ``sent`` the rest of :func:`deps.call_as`'s (``json``, ``content``, more ``headers``)."""
    headers = {"idempotency-key": key or uuid.uuid4().hex, **sent.pop("headers", {})}
    return await call_as(request, session, service, "POST", path, headers=headers, **sent)


#: A page drawn again with a refusal.
Again = Callable[[Request, Refused], Awaitable[HTMLResponse]]
#: A page of a period (None: the page's own choice), drawn after a refusal or none.
PeriodPage = Callable[[Request, str | None, Refused | None], Awaitable[HTMLResponse]]


def again_for_period(period_page: PeriodPage) -> Again:
    """``period_page`` drawn again with a refusal, for the period its form was sent from."""

    async def again(request: Request, refused: Refused) -> HTMLResponse:
        return await period_page(request, refused.period, refused)

    return again


#: A form's body for the service, from the caller's session and the form.
Body = Callable[[WebSession, Any], Any]


async def send(
    request: Request,
    roles: Collection[str],
    path: str,
    body: Body,
    back: str,
    again: Again,
    service: str = "assessment",
) -> Response:
    """Post the form's ``body`` to ``service``'s ``path`` under the form's key (a form sent
    twice is one submission); then to ``back``, or the page again (``again(request,
    refused)``) with the service's refusal. ``path`` and ``back`` may name ``{period}``: the
    form's ``period`` field, URL-quoted."""
    session, form = await posted_form(request, roles)
    period = quote(str(form.get("period") or ""))
    json = body(session, form)
    answer = await post_as(
        request, session, service, path.format(period=period), form_key(form), json=json
    )
    if answer.status >= 400:
        return await again(request, Refused.of(form, answer))
    return RedirectResponse(back.format(period=period), 303)
