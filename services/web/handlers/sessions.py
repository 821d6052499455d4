"""Signing a browser in and out through assessment's sign-in API (docs/SECURITY.md, "People
sign in"), the demo's sign-in by id, and keeping a session's access token fresh."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path

from services.web.adapters.demo_people import demo_entry
from services.web.adapters.upstream import Upstream
from services.web.domain.sessions import WebSession, session_of

#: A refresh token's rotation is remembered this long, so that the same token presented again
#: meanwhile (two requests of one page, the service worker's retry) gets the same new tokens
#: instead of a second rotation, which assessment takes for a stolen token's replay.
ROTATION_MEMORY_S = 30.0


async def password_sign_in(upstream: Upstream, email: str, password: str) -> WebSession | None:
    """A session for this e-mail and password, or None when assessment refuses (401
    ``sign_in_failed``, alike for an unknown address, a wrong password and a backoff). The
    session names the person as the org chart does (the sign-in's ``full_name``), like a demo
    sign-in's."""
    answer = await upstream.call(
        "assessment", "POST", "/v1/auth/sign-in", json={"email": email, "password": password}
    )
    if answer.status != 200:
        return None
    tokens = answer.json()
    return session_of(tokens["access_token"], tokens["refresh_token"], tokens.get("full_name"))


def demo_sign_in(tokens_file: Path, subject: str) -> WebSession | None:
    """A demo person's or device's session from the demo loader's tokens, or None."""
    entry = demo_entry(tokens_file, subject)
    if entry is None:
        return None
    return session_of(entry["token"], None, entry.get("name"), device=bool(entry.get("device_id")))


class Refresher:
    """Rotates refresh tokens once each (see :data:`ROTATION_MEMORY_S`)."""

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream
        self._lock = asyncio.Lock()
        self._rotated: dict[str, tuple[float, WebSession | None]] = {}

    async def fresh(self, session: WebSession, now: datetime) -> WebSession | None:
        """``session`` if its token lasts a while yet; else the session with new tokens; None
        when it ended and cannot be renewed (sign in again)."""
        if not session.needs_refresh(now):
            return session
        if session.refresh is None:
            return None if session.expired(now) else session
        async with self._lock:
            moment = time.monotonic()
            self._rotated = {
                token: kept
                for token, kept in self._rotated.items()
                if moment - kept[0] < ROTATION_MEMORY_S
            }
            if session.refresh in self._rotated:
                return self._rotated[session.refresh][1]
            answer = await self.upstream.call(
                "assessment", "POST", "/v1/auth/refresh", json={"refresh_token": session.refresh}
            )
            renewed = None
            if answer.status == 200:
                tokens = answer.json()
                name = tokens.get("full_name") or session.name  # the chart's name now
                renewed = session_of(tokens["access_token"], tokens["refresh_token"], name)
            self._rotated[session.refresh] = (moment, renewed)
            return renewed


async def sign_out(upstream: Upstream, session: WebSession) -> None:
    """Revoke the session's refresh token (and its family) at assessment; a demo or device
    session has none."""
    if session.refresh:
        await upstream.call(
            "assessment", "POST", "/v1/auth/sign-out", json={"refresh_token": session.refresh}
        )
