"""Durable consumers kept at the configuration the code declares.

JetStream keeps a durable consumer's settings from the day it was created, and the client only
binds to an existing one: a consumer created by an earlier release kept its ``ack_wait`` and
``max_ack_pending`` forever, whatever the code said since. At start-up each service compares
its durables with what its code wants and updates the fields JetStream lets a durable change,
in place (the consumer keeps its position and its pending acks). A difference it cannot change
(the delivery or ack policy) stops the start with :class:`ConsumerOutdated`, which says what
differs and what the operator may do.
"""

from __future__ import annotations

import dataclasses
import logging
from enum import Enum

from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from nats.js.errors import APIError, NotFoundError

log = logging.getLogger(__name__)

#: Fields JetStream updates on an existing durable, compared one by one.
EDITABLE = ("ack_wait", "max_ack_pending", "max_deliver", "filter_subject", "description")
#: Fields it cannot change: a difference here needs the durable deleted and made again.
FIXED = ("ack_policy", "deliver_policy")


class ConsumerOutdated(RuntimeError):
    """A durable consumer differs from the code in a way JetStream cannot update."""


async def reconcile(
    js: JetStreamContext, stream: str, name: str, subject: str, wanted: ConsumerConfig
) -> dict[str, tuple[object, object]]:
    """Bring the durable ``name`` on ``stream`` (filtered on ``subject``) to ``wanted``'s
    editable fields; returns what changed, field -> (was, now), empty when nothing did or the
    durable does not exist yet (it is created as wanted). Raises :class:`ConsumerOutdated`
    for a fixed field that differs, or an update JetStream refuses."""
    try:
        current = (await js.consumer_info(stream, name)).config
    except NotFoundError:
        return {}
    wanted = dataclasses.replace(wanted, name=name, durable_name=name, filter_subject=subject)
    fixed = _differences(current, wanted, FIXED)
    if fixed:
        raise ConsumerOutdated(_outdated(stream, name, fixed))
    changed = _differences(current, wanted, EDITABLE)
    if not changed:
        return {}
    update = dataclasses.replace(current, **{field: now for field, (_, now) in changed.items()})
    try:
        await js.add_consumer(stream, config=update)
    except APIError as refused:
        raise ConsumerOutdated(f"{_outdated(stream, name, changed)} ({refused})") from refused
    log.warning(
        "durable consumer %s on %s updated to the code's settings: %s",
        name,
        stream,
        ", ".join(
            f"{field} {_value(was)} -> {_value(now)}" for field, (was, now) in changed.items()
        ),
    )
    return changed


def _differences(
    current: ConsumerConfig, wanted: ConsumerConfig, fields: tuple[str, ...]
) -> dict[str, tuple[object, object]]:
    """The ``fields`` that ``wanted`` sets (not None) to another value than ``current``."""
    found = {}
    for field in fields:
        now, was = getattr(wanted, field), getattr(current, field)
        if now is not None and now != was:
            found[field] = (was, now)
    return found


def _outdated(stream: str, name: str, fields: dict[str, tuple[object, object]]) -> str:
    listed = ", ".join(
        f"{field} is {_value(was)}, the code wants {_value(now)}"
        for field, (was, now) in fields.items()
    )
    return (
        f"the durable consumer {name} on {stream} cannot be brought to this release's settings "
        f"({listed}). Stop every instance, delete it (nats consumer rm {stream} {name}) and "
        "start again: it is made anew from the start of the stream, and the inbox skips every "
        "event already applied."
    )


def _value(setting: object) -> object:
    """An enumeration's value (``all``), anything else as it is."""
    return setting.value if isinstance(setting, Enum) else setting
