"""The one way the pages' forms are sent: the caller's role and the form's CSRF token checked,
the body posted to a service under the form's idempotency key (a form sent twice is one
submission), then either a redirect to the page with what was done (``?done=``) or the page
drawn again with the service's refusal and what was typed (``templates/forms.html``)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.web.adapters.upstream import Answer, refusal_of
from services.web.domain.sessions import WebSession
from services.web.entrypoints.deps import call_as, require, web_of

#: A form's fields that are not what a person typed.
UNTYPED = {"csrf", "key"}


@dataclass(frozen=True)
class Rows:
    """A list of a form's body written as numbered rows of the form: the row ``r`` (0 to
    ``count`` - 1) has a field ``<prefix>-<r>`` per body field (``fields``: body name ->
    prefix). A row is left empty, and out of the list, when none of its ``written`` prefixes
    was typed (spaces are not typing; a choice with a default, such as an owner, is not in
    ``written``): the list's i-th element is the i-th row written, and a refusal of it
    (``follow_ups[1].task``) stands beside that row's field (``task-2`` when row 1 was left
    empty)."""

    count: int
    fields: Mapping[str, str]
    written: Collection[str]

    def of(self, form: Any) -> list[int]:
        """The rows of ``form`` written, in order: the body's list is made of these alone."""
        return [
            row
            for row in range(self.count)
            if any(str(form.get(f"{prefix}-{row}") or "").strip() for prefix in self.written)
        ]

    def value(self, form: Any, row: int, name: str) -> str:
        """What ``form``'s row ``row`` holds in the body field ``name``."""
        return str(form.get(f"{self.fields[name]}-{row}") or "")

    def field(self, rest: str, form: Any) -> str | None:
        """The form's field a refusal of the list names by ``rest`` (``[1].task``, after the
        list's name): that row's field; None (the form as a whole) for the list itself, an
        element's whole or a field the rows do not have."""
        match = re.match(r"\[(\d+)\]\.(\w+)", rest)
        if not match or match[2] not in self.fields:
            return None
        rows = self.of(form)
        index = int(match[1])
        return f"{self.fields[match[2]]}-{rows[index]}" if index < len(rows) else None


#: No renames: a body's field is the form's field of the same name.
NO_RENAMES: dict[str, str | Rows] = {}


@dataclass(frozen=True)
class Refused:
    """A form the service refused, for its page to be drawn again: the ``form`` as sent, the
    service's ``message`` (in the page's language), the ``action`` the form was sent to (its
    path: which of the page's forms it was) and the form's ``field`` the refusal names (None:
    the form as a whole)."""

    form: Any
    message: str
    action: str = ""
    field: str | None = None

    @classmethod
    def of(
        cls,
        request: Request,
        form: Any,
        answer: Answer,
        fields: Mapping[str, str | Rows] = NO_RENAMES,
    ) -> Refused:
        """The service's refusal ``answer`` (status 400 or more) of ``form``, sent to
        ``request``'s path; its field (``items[2].text``) named as the form names it
        (:func:`form_field`, ``fields`` the form's renames)."""
        refusal = refusal_of(answer)
        field = form_field(refusal.field, form, fields)
        return cls(form, refusal.message, request.url.path, field)

    @property
    def period(self) -> str | None:
        """The form's ``period`` field (the period its page showed), None where it had none."""
        return str(self.form.get("period") or "") or None


def form_field(
    field: str | None, form: Any, fields: Mapping[str, str | Rows] = NO_RENAMES
) -> str | None:
    """The form's field a service's refusal names: ``field`` is the body's (``reason``,
    ``items[2].text``, ``follow_ups[0].task``), its first name looked up in ``fields`` (the
    form's renames: body name -> form name, or -> :class:`Rows`, a list written as rows, whose
    element's field is its row's) or else taken as the form's own name where the form sent
    one; None (the form as a whole) otherwise."""
    if not field:
        return None
    name = re.split(r"[.\[]", field, maxsplit=1)[0]
    renamed = fields.get(name)
    if isinstance(renamed, Rows):
        return renamed.field(field.removeprefix(name), form)
    if renamed is not None:
        return renamed
    return name if name in form and name not in UNTYPED else None


class Sent:
    """What a page's forms show of the last sending, for ``templates/forms.html``: the refused
    form (the one sent to ``refused.action`` with the same hidden fields) is drawn again with
    what was typed (:meth:`value`) and the refusal beside the field it names
    (:meth:`error_of`), or at the form's top where it names none drawn (:attr:`drawn`); a
    refusal of a form no longer on the page is said under its heading (:attr:`claimed`)."""

    def __init__(self, refused: Refused | None = None) -> None:
        self.refused = refused
        sent = refused.form.multi_items() if refused is not None else []
        self.typed = {k: v for k, v in sent if isinstance(v, str) and k not in UNTYPED}
        self.drawn = False
        self.claimed = False

    def to(self, action: str, hidden: Mapping[str, Any] | None = None) -> Sent:
        """This sending if it was the form of ``action`` and ``hidden`` fields, else nothing
        sent (an empty one): on a page of many forms, only the refused one is refilled."""
        refused = self.refused
        if refused is None or refused.action != action:
            return EMPTY
        if any(str(refused.form.get(k) or "") != str(v) for k, v in (hidden or {}).items()):
            return EMPTY
        self.claimed = True
        return self

    @property
    def message(self) -> str | None:
        """The service's refusal of this form, None where nothing was refused."""
        return self.refused.message if self.refused is not None else None

    def value(self, name: str, default: Any = "") -> Any:
        """What was typed in the field ``name``; ``default`` where the form was not sent."""
        return self.typed.get(name, default)

    def error_of(self, name: str) -> str | None:
        """The refusal if it names the field ``name`` (then drawn beside it), else None."""
        if self.refused is None or self.refused.field != name:
            return None
        self.drawn = True
        return self.refused.message


EMPTY = Sent()


def form_state(request: Request, refused: Refused | None = None) -> dict[str, Any]:
    """What a page whose forms go through :func:`send` shows of the last sending, as
    :func:`deps.page`'s arguments: what was done (``done``: the back address's ``?done=``,
    ``outcome`` in ``templates/forms.html``), a new key for the next form (sent twice, it is
    one), the last sending (``sent``, :class:`Sent`: the refused form refilled with what was
    typed, the refusal beside its field, so that nothing written is lost to a refusal) and the
    address the page is drawn for (``address``: the page's own, which can be opened again,
    rather than the form's POST-only one). The page answers 200: it is the page itself, drawn
    whole with the refusal in its form (a 4xx document would be an error in the browser's
    console)."""
    sent = Sent(refused)
    return {
        "done": request.query_params.get("done") or "",
        "key": uuid.uuid4().hex,
        "sent": sent,
        "address": page_address(request, refused),
    }


def page_address(request: Request, refused: Refused | None) -> str | None:
    """Where the page drawn again after ``refused`` can be opened again: the page the form was
    sent from (the Referer, on this site; its ``done`` notice left out); None when not drawn
    for a refusal or the page is not known."""
    referer = urlsplit(request.headers.get("referer", ""))
    if refused is None or referer.netloc != request.url.netloc or not referer.path:
        return None
    query = urlencode([(k, v) for k, v in parse_qsl(referer.query) if k != "done"])
    return referer.path + (f"?{query}" if query else "")


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
    request: Request,
    session: WebSession | None,
    service: str,
    path: str,
    key: str,
    method: str = "POST",
    **sent: Any,
) -> Answer:
    """A POST (or ``method``: a PUT) to ``service``'s ``path`` as the caller (with no session,
    as the link's token says) under the idempotency ``key`` (a new one where empty): sent
    twice, it is one command; ``sent`` the rest of :func:`deps.call_as`'s (``json``,
    ``content``, more ``headers``)."""
    headers = {"idempotency-key": key or uuid.uuid4().hex, **sent.pop("headers", {})}
    return await call_as(request, session, service, method, path, headers=headers, **sent)


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
#: The page drawn with what the service answered, in place of the redirect to ``back`` (an
#: answer to be shown once, such as a new secret); None: the redirect after all.
Shown = Callable[[Request, Answer], Awaitable[Response | None]]


async def send(
    request: Request,
    roles: Collection[str],
    path: str,
    body: Body,
    back: str,
    again: Again,
    service: str = "assessment",
    fields: Mapping[str, str | Rows] = NO_RENAMES,
    method: str = "POST",
    shown: Shown | None = None,
) -> Response:
    """Post (or ``method``: put) the form's ``body`` to ``service``'s ``path`` under the
    form's key (a form sent twice is one submission); then to ``back`` (or the page ``shown``
    draws with the service's answer, where it draws one), or the page again
    (``again(request, refused)``) with the service's refusal beside the form's field it names
    (``fields``: the body's names the form names otherwise, :func:`form_field`). ``path`` and
    ``back`` may name ``{period}``: the form's ``period`` field, URL-quoted."""
    session, form = await posted_form(request, roles)
    period = quote(str(form.get("period") or ""))
    json = body(session, form)
    answer = await post_as(
        request, session, service, path.format(period=period), form_key(form), method, json=json
    )
    if answer.status >= 400:
        return await again(request, Refused.of(request, form, answer, fields))
    if shown is not None and (drawn := await shown(request, answer)) is not None:
        return drawn
    return RedirectResponse(back.format(period=period), 303)
