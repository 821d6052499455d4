"""Signed links in messages, to acknowledge or snooze an alert without logging in: the link's
token names the alert and the action, expires, and is signed (HS256) with the service's
signing secret, so it is its own authentication."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import jwt

AUDIENCE = "ward5s-alert-link"
Action = Literal["ack", "snooze"]


class InvalidLink(Exception):
    pass


@dataclass(frozen=True)
class LinkAction:
    alert_id: uuid.UUID
    action: Action


def sign(secret: str, alert_id: str, action: Action, now: datetime, ttl: timedelta) -> str:
    claims = {"aud": AUDIENCE, "alert": alert_id, "act": action, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm="HS256")


def verify(secret: str, token: str, now: datetime) -> LinkAction:
    """The action a token asks for; expiry is judged against the service's clock."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=AUDIENCE,
            options={"verify_exp": False, "require": ["exp", "alert", "act"]},
        )
        if claims["exp"] < now.timestamp():
            raise InvalidLink("expired")
        if claims["act"] not in ("ack", "snooze"):
            raise InvalidLink("unknown action")
        return LinkAction(uuid.UUID(claims["alert"]), claims["act"])
    except (jwt.PyJWTError, KeyError, ValueError) as error:
        raise InvalidLink(str(error)) from error


@dataclass(frozen=True)
class LinkMaker:
    """Makes the links in messages: ``{public_url}/alerts/link/{token}``, valid for ``ttl``:
    the web pages' confirmation page, which changes nothing until the person confirms (a
    POST), so a mail scanner opening every link acknowledges nothing."""

    secret: str
    public_url: str
    ttl: timedelta

    def url(self, alert_id: str, action: Action, now: datetime) -> str:
        token = sign(self.secret, alert_id, action, now, self.ttl)
        return f"{self.public_url.rstrip('/')}/alerts/link/{token}"
