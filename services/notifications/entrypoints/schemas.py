"""Request bodies of the notifications API."""

from __future__ import annotations

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SnoozeBody(Body):
    hours: float = Field(gt=0, le=24 * 14)


class PreferencesBody(Body):
    email: bool = True
    webhook_url: AnyHttpUrl | None = None
    digest: bool = False


class ClockBody(Body):
    """Move the demo clock: by some seconds forward, or to a moment."""

    advance_seconds: float | None = Field(default=None, gt=0, le=400 * 24 * 3600)
    set_to: AwareDatetime | None = None
