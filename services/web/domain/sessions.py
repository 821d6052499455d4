"""The session a signed-in browser holds (sealed in its cookie, never readable by the page's
JavaScript): the caller's tokens as assessment issued them and what the pages need to know of
the caller. Pure: the clock is passed in."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from contracts.roles import PERSON_ROLES, Role

#: A token that ends within this many seconds is refreshed before it is used.
REFRESH_MARGIN_S = 60


@dataclass(frozen=True)
class WebSession:
    """``subject``: the person_id or device_id; ``role`` and ``unit`` as the token names them
    (the services judge by the org chart now, this only picks the pages to offer);
    ``access``: the bearer token; ``expires``: its end (POSIX seconds); ``refresh``: the
    refresh token (none for a device or a demo token); ``name``: the person's name when known."""

    subject: str
    role: str
    unit: str | None
    access: str
    expires: int
    refresh: str | None = None
    name: str | None = None
    device: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebSession:
        return cls(**{key: data.get(key) for key in cls.__dataclass_fields__})  # type: ignore[arg-type]

    def needs_refresh(self, now: datetime) -> bool:
        return self.expires - now.timestamp() < REFRESH_MARGIN_S

    def expired(self, now: datetime) -> bool:
        return self.expires <= now.timestamp()

    @property
    def is_person(self) -> bool:
        return self.role in {role.value for role in PERSON_ROLES}


def claims_of(token: str) -> dict[str, Any]:
    """The claims of a JWT as written (no signature check: the token came straight from the
    issuer, and every service checks it again on each call). ``ValueError`` for a text that is
    not a JWT."""
    try:
        payload = token.split(".")[1]
        padded = payload + "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (IndexError, ValueError) as error:
        raise ValueError("not a JWT") from error
    if not isinstance(claims, dict):
        raise ValueError("not a JWT")
    return claims


def session_of(
    access: str, refresh: str | None = None, name: str | None = None, device: bool = False
) -> WebSession:
    """A session from an access token as assessment issued it (``ValueError`` if unreadable)."""
    claims = claims_of(access)
    try:
        return WebSession(
            subject=str(claims["sub"]),
            role=str(claims["role"]),
            unit=claims.get("unit"),
            access=access,
            expires=int(claims["exp"]),
            refresh=refresh,
            name=name,
            device=device,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError("a token without subject, role or end") from error


#: Where each role lands after signing in: what they do (issue 15, "Sign-in and demo").
HOMES: dict[str, str] = {
    Role.AUDITOR.value: "/audit",
    Role.KIOSK.value: "/kiosk",
    Role.UNIT_HEAD.value: "/review",
    Role.CHAIRMAN.value: "/board",
    Role.VICE_CHAIRMAN.value: "/board",
    Role.CITY.value: "/city",
}

#: The pages of the ward's chairman and vice-chairmen: the figures, the alerts, the "+" reviews,
#: the classification, the units' periodic reviews and the initiatives.
WARD_LEADERS_PAGES = ("board", "alerts", "review", "classification", "reviews", "initiatives")

#: The page where every person chooses how they are told (e-mail, a webhook, the digest): last
#: in everyone's bar.
PREFERENCES = "preferences"

#: The leaders' pages each role is offered in the bar (issue 16), besides their home; every
#: person's bar ends with their own channels (:data:`PREFERENCES`).
NAVIGATION: dict[str, tuple[str, ...]] = {
    Role.UNIT_HEAD.value: (
        "review",
        "alerts",
        "board",
        "actions",
        "reviews",
        "call-backs",
        "initiatives",
        "plus",
        PREFERENCES,
    ),
    Role.STAFF.value: ("plus", "actions", "initiatives", "campaigns", PREFERENCES),
    Role.AUDITOR.value: ("campaigns", "initiatives", PREFERENCES),
    Role.VICE_CHAIRMAN.value: (*WARD_LEADERS_PAGES, PREFERENCES),
    # the chairman launches campaigns
    Role.CHAIRMAN.value: (*WARD_LEADERS_PAGES, "campaigns", PREFERENCES),
    Role.ADMIN.value: (
        "board",
        "alerts",
        "classification",
        "actions",
        "initiatives",
        "campaigns",
        "plus",
        PREFERENCES,
    ),
}


def home_of(session: WebSession) -> str:
    """An auditor on "audit a unit", a kiosk on its rating screen, a unit head on the review
    queue, the chairman and vice-chairmen on the unit board, every other person on their
    monthly self-assessment, a city official on the city's wards; a caller with no page here (an
    integration) on the page that says so."""
    if session.role in HOMES:
        return HOMES[session.role]
    if session.is_person:
        return "/self-assessment"
    return "/nothing-here"
