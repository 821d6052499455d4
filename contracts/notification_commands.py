"""Request bodies of the notifications API (the web pages and integrations send them) and the
people's commands its pipeline takes, each keyed by its class (``handlers.commands``); here
because they cross the boundary between a front-end and the service."""

from __future__ import annotations

from typing import Annotated

from pydantic import AnyHttpUrl, AwareDatetime, Field, UrlConstraints

from contracts.common import Body

#: A webhook's address: http or https, at most 2,000 characters (what every browser and HTTP
#: library takes), refused beyond rather than cut.
WebhookUrl = Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)]


class SnoozeBody(Body):
    hours: float = Field(gt=0, le=24 * 14)


class PreferencesBody(Body):
    email: bool = True
    webhook_url: WebhookUrl | None = None
    digest: bool = False


class ClockBody(Body):
    """Move the demo clock: by some seconds forward, or to a moment."""

    advance_seconds: float | None = Field(default=None, gt=0, le=400 * 24 * 3600)
    set_to: AwareDatetime | None = None


# --- people's commands, as the command pipeline takes them (keyed by class) -------------------
# The ward and the person come from the caller; the ids named in the path are part of the
# command, so a retry with the same Idempotency-Key is recognised as the same request.


class AcknowledgeCommand(Body):
    """Acknowledge one's alert: no more repeats or escalation."""

    alert_id: str


class SnoozeCommand(Body):
    """Hold the repeats of one's open alert for ``hours``."""

    alert_id: str
    hours: float = Field(gt=0, le=24 * 14)


class PreferencesCommand(Body):
    """A person's channels (oneself, or anyone for an admin)."""

    person_id: str
    email: bool
    webhook_url: WebhookUrl | None
    digest: bool
