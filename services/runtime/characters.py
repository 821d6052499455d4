"""Text that cannot be stored or shown safely is refused at the one door every command goes
through (a step of the command pipeline, ``commands.command_registry``), whatever the service,
HTTP or the NATS intake: a NUL (PostgreSQL cannot store it: it failed the insert with a 500 and
a log of the row) or another control character in any string of a command's body; and so are
the bodies read outside the pipeline (:class:`PlainBody`: a NUL in a reset's address failed it
with a 500). A lone surrogate never gets this far: the body's validation refuses it (422).

Line breaks and tabs stay allowed in free text (a comment may have several lines); fields that
end up in mail headers (names, addresses) are refused control characters where they enter, at
the org chart's load (``assessment.domain.org``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, model_validator

from services.runtime.dispatch import Entry, Next
from services.runtime.refusals import Kind, Refusal

#: Control characters free text may hold.
ALLOWED = frozenset("\t\n\r")

#: Every control character (Unicode category Cc: U+0000-U+001F, U+007F-U+009F) but those: one
#: search per string, not a look-up per character (a 25-item audit holds over a thousand).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def is_unsafe(char: str) -> bool:
    """A control character (Unicode category Cc) other than tab and line breaks."""
    return char not in ALLOWED and unicodedata.category(char) == "Cc"


def unsafe_field(value: Any, path: str = "") -> str | None:
    """The dotted path (``items[3].note``) of the first string in ``value`` (a model, mapping,
    list or string, walked depth first) holding an unsafe character; None when there is none.
    (An unsafe mapping key names the mapping.)"""
    trail = _unsafe_trail(value)
    if trail is None:
        return None
    for step in reversed(trail):
        path = f"{path}[{step}]" if isinstance(step, int) else f"{path}.{step}" if path else step
    return path or "body"


def _unsafe_trail(value: Any) -> list[str | int] | None:
    """The keys and indexes down to the first unsafe string, innermost first; None: none."""
    if isinstance(value, str):
        return [] if _UNSAFE.search(value) else None
    if isinstance(value, BaseModel):
        value = {name: getattr(value, name) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        for key, item in value.items():
            if _unsafe_trail(key) is not None:
                return []
            trail = _unsafe_trail(item)
            if trail is not None:
                trail.append(str(key))
                return trail
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            trail = _unsafe_trail(item)
            if trail is not None:
                trail.append(index)
                return trail
    return None


def refuse_unsafe(value: Any) -> None:
    """422 ``control_character`` on the first field of ``value`` holding an unsafe character."""
    field = unsafe_field(value)
    if field is not None:
        raise Refusal(Kind.INVALID, "control_character", field)


async def plain_text(
    entry: Entry[Any, Any], context: Any, body: Any, call_next: Next[Any, Any]
) -> Any:
    """The pipeline step: :func:`refuse_unsafe` on the command's body."""
    refuse_unsafe(body)
    return await call_next(context, body)


class PlainBody(BaseModel):
    """A request body read outside the command pipeline (sign-in's open routes), refused as
    the pipeline refuses a command's (:func:`refuse_unsafe`) when it is read."""

    @model_validator(mode="after")
    def _plain(self) -> Self:
        refuse_unsafe(self)
        return self
