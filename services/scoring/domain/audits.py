"""How audit events change a unit's sums, whatever order they arrive in (pure, no I/O).

Each audit keeps one record: the newest revision seen and what that revision contributes. An
event with an older revision than the record is stale and changes nothing; a newer one retracts
the record's contribution and adds its own (a withdrawal adds nothing). So a submission, its
amendments and its withdrawal give the same sums in any order, and a duplicate gives none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from contracts import fast
from contracts.events import AuditAmended, AuditSubmitted, AuditWithdrawn
from services.scoring.domain.aggregates import Contribution, contribution


@dataclass(frozen=True)
class AuditRecord:
    unit_id: str
    month: str
    revision: int
    live: bool
    sums: Contribution = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HeldAudit:
    """An audit event as the live consumer holds it from its decoding to its batch's commit:
    what the fold reads of it (its id, type, ward and audit) and the record it makes, its 25+
    items already added up into pillar sums (:func:`held`).

    A decoded audit is ~6 KB of item objects (the ~3 KB message's 25+ items); the record it
    makes, ~1 KB. A batch of thousands is held while the one before it commits and the next is
    fetched, so keeping the items made each scoring process tens of MiB larger while it applied
    a stream (``tests/scoring/test_held_memory.py``)."""

    event_id: uuid.UUID
    type: str
    ward: str
    audit_id: uuid.UUID
    record: AuditRecord


#: An audit event as its contract, or as the hot path's struct mirroring it (``contracts.fast``):
#: the same fields, read the same way.
AuditEvent = AuditSubmitted | AuditAmended | AuditWithdrawn | fast.FastEvent
AUDIT_EVENTS = (
    AuditSubmitted,
    AuditAmended,
    AuditWithdrawn,
    fast.AuditSubmitted,
    fast.AuditAmended,
    fast.AuditWithdrawn,
)
WITHDRAWALS = (AuditWithdrawn, fast.AuditWithdrawn)


def held(event: fast.FastEvent) -> HeldAudit:
    """The audit event reduced to what the fold reads of it (:class:`HeldAudit`)."""
    return HeldAudit(
        event.event_id, event.type, event.ward, event.data.audit_id, record_after(event)
    )


def record_after(event: AuditEvent | HeldAudit) -> AuditRecord:
    """The audit's record once this event is applied."""
    if isinstance(event, HeldAudit):
        return event.record
    if isinstance(event, WITHDRAWALS):
        withdrawn = event.data
        return AuditRecord(
            withdrawn.unit_id, withdrawn.replaces.period, withdrawn.revision, live=False
        )
    data = event.data
    return AuditRecord(data.unit_id, data.period, data.revision, True, contribution(data.items))


def supersedes(new: AuditRecord, current: AuditRecord | None) -> bool:
    """Whether an event whose record is ``new`` replaces the audit's ``current`` record: only a
    higher revision does (a stale copy or reordering changes nothing)."""
    return current is None or new.revision > current.revision
