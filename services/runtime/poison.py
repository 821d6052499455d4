"""Which messages on an event subject are events this code may apply: the one screen every
consumer, and every replay of a stream (scoring's rebuild), puts a message through, so that what
the live consumer dead-letters a rebuild skips too.

A message is refused, with a reason that names the kind of fault, when it is

- ``oversized``: longer than :data:`MAX_EVENT_BYTES` (the deployment's NATS ``max_payload``, so
  nothing a service publishes is ever refused; a server configured larger lets more through);
- ``malformed``: not a JSON object;
- ``unknown_type``: its ``type`` names no event of ``contracts.events``;
- ``unsupported_version``: its ``schema_version`` is not one this code reads
  (``Event.readable_versions``);
- ``invalid``: it does not validate against its type's contract;
- ``wrong_subject``: it came on a subject other than its own (``ward5s.<ward>.<type>``): another
  ward's event on this ward's subject, or one type's body under another's subject, which the
  bus's permissions (by subject) would otherwise let a publisher smuggle in.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from typing import Any

from pydantic import ValidationError

from contracts import fast
from contracts.envelope import Event
from contracts.events import EVENT_TYPES, event_type_name, parse_event
from services.runtime.scrub import describe

#: The longest event a consumer takes, in bytes: infra/nats's ``max_payload``.
MAX_EVENT_BYTES = 1024 * 1024

#: The reasons of :class:`Poison`, in the order they are checked.
POISON_REASONS = (
    "oversized",
    "malformed",
    "unknown_type",
    "unsupported_version",
    "invalid",
    "wrong_subject",
)

_CLASSES: dict[str, type[Event]] = {event_type_name(cls): cls for cls in EVENT_TYPES}


class Poison(ValueError):
    """A message that is no event of ours: ``reason`` (one of :data:`POISON_REASONS`) and
    ``detail`` (a short description without the message's data)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def screen(subject: str, data: bytes) -> Event:
    """The event ``data`` holds, if it may be applied as a message on ``subject``.

    Raises :class:`Poison` with the first fault found (see the module's list)."""
    if len(data) > MAX_EVENT_BYTES:
        raise Poison("oversized", f"{len(data)} bytes, at most {MAX_EVENT_BYTES}")
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise Poison("malformed", f"not JSON ({type(error).__name__})") from None
    if not isinstance(raw, dict):
        raise Poison("malformed", f"a JSON {type(raw).__name__}, not an object")
    kind = raw.get("type")
    cls = _CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise Poison("unknown_type", f"type {_shown(kind)}")
    version = raw.get("schema_version", 1)
    # A list or an object is no version; it cannot even be looked up in the set.
    if not isinstance(version, Hashable) or version not in cls.readable_versions:
        raise Poison(
            "unsupported_version",
            f"{kind} version {_shown(version)}, readable {sorted(cls.readable_versions)}",
        )
    try:
        event = parse_event(data)
    except ValidationError as error:
        raise Poison("invalid", describe(error)) from None
    if subject != event.subject:
        raise Poison("wrong_subject", f"{event.type} of ward {event.ward} on {_shown(subject)}")
    return event


def screen_fast(subject: str, data: bytes) -> Event | Any:
    """:func:`screen` for a consumer's hot path: an audit event decoded by ``contracts.fast``
    (a struct mirroring its contract, about a tenth of the contract's cost) when that decoder
    takes it and it came on its own subject; anything else goes through :func:`screen`, so the
    same messages are taken and refused, each with the same reason."""
    if len(data) <= MAX_EVENT_BYTES:
        event = fast.decode(data)
        if (
            event is not None
            and event.schema_version in event.readable_versions
            and subject == event.subject
        ):
            return event
    return screen(subject, data)


def _shown(value: object) -> str:
    """A value from a message, cut short, for a reason's detail."""
    text = json.dumps(value, ensure_ascii=True) if not isinstance(value, str) else value
    return text[:80]
