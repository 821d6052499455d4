"""Small value types shared by every contract."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contracts.text import NFC

#: The ward's local time zone: every calendar period is keyed in it.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: A ward (phường) is the tenant. Its id is a slug, and it is a token in every subject.
WardId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]

#: Ids of units, people and devices: short opaque slugs chosen by the ward (the slug, and the
#: pattern a whole value matches, for the edges' path and query parameters).
ENTITY_SLUG = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
ENTITY_PATTERN = f"^{ENTITY_SLUG}$"
EntityId = Annotated[str, StringConstraints(pattern=ENTITY_PATTERN)]

#: The pillars of 5S+ (S1..S5 and P, the "+").
PILLARS: tuple[str, ...] = ("S1", "S2", "S3", "S4", "S5", "P")
FIVE_S: tuple[str, ...] = PILLARS[:5]


class Contract(BaseModel):
    """Base of every contract model: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Body(BaseModel):
    """Base of a request body a front-end sends a service: strict about unknown fields."""

    model_config = ConfigDict(extra="forbid")


class Text(Contract):
    """A label in Vietnamese (first) and English."""

    vi: Annotated[str, Field(min_length=1), NFC]
    en: Annotated[str, Field(min_length=1), NFC]

    def pick(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi
