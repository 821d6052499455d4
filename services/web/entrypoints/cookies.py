"""What a browser keeps of the web front-end: the session (sealed: encrypted and authenticated
with the web's own key, HttpOnly, SameSite=Lax, Secure over https), the CSRF token (the
double-submit pattern: an HttpOnly, SameSite=Strict cookie whose value every form and every
state-changing fetch must repeat) and the language chosen with the switch."""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

from fastapi import Request, Response
from pydantic import SecretStr

from services.runtime.refusals import Kind, Refusal
from services.runtime.sealing import Unsealable, seal, unseal
from services.web.domain.sessions import WebSession
from services.web.domain.texts import language

SESSION_COOKIE = "w5_session"
CSRF_COOKIE = "w5_csrf"
LANG_COOKIE = "w5_lang"
CSRF_HEADER = "x-csrf-token"
#: The language switch is remembered for a year.
LANG_MAX_AGE_S = 365 * 24 * 3600
#: The CSRF token is no credential (it only shows a request came from this site's pages) and
#: outlives sessions, so that a submission queued offline for days still carries a valid one.
CSRF_MAX_AGE_S = 365 * 24 * 3600


class Cookies:
    def __init__(self, key: SecretStr, session_hours: float, secure: bool | None) -> None:
        self.key = key
        self.session_s = int(session_hours * 3600)
        self.force_secure = secure

    def secure(self, request: Request) -> bool:
        """Secure cookies over https (the request's own scheme, or the proxy's
        ``X-Forwarded-Proto``), unless the settings decide."""
        if self.force_secure is not None:
            return self.force_secure
        forwarded = request.headers.get("x-forwarded-proto", "")
        return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"

    def _set(
        self, response: Response, request: Request, name: str, value: str, **more: Any
    ) -> None:
        response.set_cookie(
            name, value, httponly=True, secure=self.secure(request), path="/", **more
        )

    # --- the session ------------------------------------------------------------------------

    def session(self, request: Request) -> WebSession | None:
        """The browser's session as its cookie holds it, or None (none, sealed with another key,
        altered, too old, without a session id); its id is left in ``request.state.sid`` (the
        caller checks it was not signed out: ``deps.current_session``)."""
        sealed = request.cookies.get(SESSION_COOKIE)
        if not sealed:
            return None
        try:
            data = unseal(self.key, sealed)
            if float(data.get("until", 0)) < time.time() or not data.get("sid"):
                return None
            session = WebSession.from_dict(data["session"])
        except (Unsealable, KeyError, TypeError, ValueError):
            return None
        request.state.sid = str(data["sid"])
        return session

    def keep_session(
        self, response: Response, request: Request, session: WebSession, sid: str | None = None
    ) -> None:
        """Seal ``session`` in the cookie under the session id ``sid`` (a renewal keeps its
        session's; a sign-in, None, starts a new one), valid ``session_hours`` from now."""
        payload = {
            "session": session.as_dict(),
            "sid": sid or secrets.token_urlsafe(18),
            "until": time.time() + self.session_s,
        }
        self._set(
            response,
            request,
            SESSION_COOKIE,
            seal(self.key, payload),
            max_age=self.session_s,
            samesite="lax",
        )

    def end_session(self, response: Response, request: Request) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", secure=self.secure(request), httponly=True)

    # --- CSRF -------------------------------------------------------------------------------

    def csrf(self, request: Request) -> str:
        """The browser's CSRF token, a new one when it has none (set it with ``keep_csrf``)."""
        token = request.cookies.get(CSRF_COOKIE)
        if not token or len(token) < 32:
            token = getattr(request.state, "csrf", None) or secrets.token_urlsafe(32)
        request.state.csrf = token
        return token

    def keep_csrf(self, response: Response, request: Request) -> None:
        self._set(
            response,
            request,
            CSRF_COOKIE,
            self.csrf(request),
            max_age=CSRF_MAX_AGE_S,
            samesite="strict",
        )

    def check_csrf(self, request: Request, given: str | None) -> None:
        """403 ``csrf_failed`` unless ``given`` (the form's field or the ``X-CSRF-Token``
        header) repeats the browser's CSRF cookie: another site can make the browser send the
        cookie, never read it to repeat it."""
        expected = request.cookies.get(CSRF_COOKIE)
        if not expected or not given or not hmac.compare_digest(expected, given):
            raise Refusal(Kind.FORBIDDEN, "csrf_failed")

    # --- language ---------------------------------------------------------------------------

    def lang(self, request: Request) -> str:
        return language(request.cookies.get(LANG_COOKIE))

    def keep_lang(self, response: Response, request: Request, lang: str) -> None:
        self._set(
            response, request, LANG_COOKIE, language(lang), max_age=LANG_MAX_AGE_S, samesite="lax"
        )
