"""The hot path's decoder: msgspec structs mirroring the audit events of ``contracts.events``
(submitted, amended, withdrawn: what scoring's consumer takes by the thousand), decoded straight
from the message's JSON at a fraction of the pydantic contract's cost.

They accept a subset of what the contract accepts, never more: the same fields, types, bounds
and patterns, with no coercion (a score given as ``"3"`` or ``3.0``, which the contract's lax
mode takes, is refused here), and the decoded values equal the contract's. A message this
decoder refuses goes through the full screen (``services.runtime.poison.screen``), which either
takes it with the contract or names its fault, so a consumer using it accepts and refuses
exactly what the contract does (``tests/unit/test_fast_events.py`` checks both properties).

The patterns end in ``\\Z``: the contract's (Rust) ``$`` matches only at the very end, Python's
also before a final newline.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Literal

import msgspec
from msgspec import Meta, Struct, field

Ward = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,62}\Z")]
Entity = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")]
MonthKey = Annotated[str, Meta(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])\Z")]
Aware = Annotated[datetime, Meta(tz=True)]
Score = Annotated[int, Meta(ge=0, le=4)]
Weight = Annotated[float, Meta(gt=0, le=10)]
Pillar = Literal["S1", "S2", "S3", "S4", "S5", "P"]


class _Contract(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """As ``contracts.common.Contract``: immutable, refusing unknown fields."""


class Actor(_Contract, frozen=True, kw_only=True):
    kind: Literal["person", "device", "integration", "system"]
    id: Entity | None = None


class AuditItem(_Contract, frozen=True, kw_only=True):
    code: str
    pillar: Pillar
    weight: Weight = 1.0
    score: Score | None
    note: Annotated[str, Meta(max_length=2000)] | None = None
    evidence: tuple[str, ...] = ()
    evidence_ids: tuple[uuid.UUID, ...] = ()


class AuditState(_Contract, frozen=True, kw_only=True):
    revision: Annotated[int, Meta(ge=1)]
    period: MonthKey
    performed_at: Aware
    catalog_version: str
    items: tuple[AuditItem, ...]


class AuditSubmittedData(AuditState, frozen=True, kw_only=True):
    audit_id: uuid.UUID
    unit_id: Entity
    auditor_id: Entity


class AuditAmendedData(AuditState, frozen=True, kw_only=True):
    audit_id: uuid.UUID
    unit_id: Entity
    auditor_id: Entity
    reason: str
    replaces: AuditState


class AuditWithdrawnData(_Contract, frozen=True, kw_only=True):
    audit_id: uuid.UUID
    unit_id: Entity
    revision: Annotated[int, Meta(ge=2)]
    reason: str
    replaces: AuditState


def _now() -> datetime:
    return datetime.now(UTC)


class _Event(_Contract, tag_field="type", frozen=True, kw_only=True):
    """As ``contracts.envelope.Event`` (``type`` is the tag)."""

    owner: ClassVar[str] = "assessment"
    readable_versions: ClassVar[frozenset[int]] = frozenset({1})

    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    schema_version: int = 1
    ward: Ward
    occurred_at: Aware
    recorded_at: Aware = field(default_factory=_now)
    actor: Actor
    correlation_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def type(self) -> str:
        return str(self.__struct_config__.tag)

    @property
    def subject(self) -> str:
        from contracts.subjects import event_subject

        return event_subject(self.ward, self.type)


class AuditSubmitted(_Event, tag="assessment.audit.submitted", frozen=True, kw_only=True):
    data: AuditSubmittedData


class AuditAmended(_Event, tag="assessment.audit.amended", frozen=True, kw_only=True):
    data: AuditAmendedData


class AuditWithdrawn(_Event, tag="assessment.audit.withdrawn", frozen=True, kw_only=True):
    data: AuditWithdrawnData


FastEvent = AuditSubmitted | AuditAmended | AuditWithdrawn
#: The contract's class each struct mirrors, by the struct.
MIRRORS: dict[type[FastEvent], str] = {
    AuditSubmitted: "assessment.audit.submitted",
    AuditAmended: "assessment.audit.amended",
    AuditWithdrawn: "assessment.audit.withdrawn",
}

_DECODER = msgspec.json.Decoder(FastEvent)


def decode(data: bytes) -> FastEvent | None:
    """The audit event ``data`` holds, or None when this decoder does not take it (another
    type, or anything it refuses: the full screen decides then)."""
    try:
        return _DECODER.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
