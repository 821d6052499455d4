"""The envelope every event travels in.

Every event has a unique id (also the JetStream ``Nats-Msg-Id``, so a republish is dropped by the
server), its type and schema version, the ward, when it happened (event time, which decides the
period) and when it was recorded, who did it, and a correlation id that ties a chain of events to
the request that started it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from contracts.common import Contract, EntityId, WardId

ActorKind = Literal["person", "device", "integration", "system"]


class Actor(Contract):
    kind: ActorKind
    id: EntityId | None = None  # None for anonymous citizens and system jobs


SYSTEM = Actor(kind="system")


class Event(Contract):
    """Base of every event. Subclasses fix ``type`` with a ``Literal`` and add ``data``."""

    #: The context that owns (publishes) this event: assessment, scoring or notifications.
    owner: ClassVar[str]
    #: The ``schema_version``s of this type that this code reads (an event type that changes
    #: its shape adds its new version here and keeps reading the old ones); a message of any
    #: other version is dead-lettered (``services.runtime.poison``).
    readable_versions: ClassVar[frozenset[int]] = frozenset({1})

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    schema_version: int = 1
    ward: WardId
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    actor: Actor
    correlation_id: uuid.UUID = Field(default_factory=uuid.uuid4)

    @property
    def subject(self) -> str:
        from contracts.subjects import event_subject

        return event_subject(self.ward, self.type)
