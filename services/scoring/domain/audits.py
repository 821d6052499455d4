"""How audit events change a unit's sums, whatever order they arrive in (pure, no I/O).

Each audit keeps one record: the newest revision seen and what that revision contributes. An
event with an older revision than the record is stale and changes nothing; a newer one retracts
the record's contribution and adds its own (a withdrawal adds nothing). So a submission, its
amendments and its withdrawal give the same sums in any order, and a duplicate gives none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from contracts import fast
from contracts.events import AuditAmended, AuditSubmitted, AuditWithdrawn
from services.scoring.domain.aggregates import Contribution, contribution

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


@dataclass(frozen=True)
class AuditRecord:
    unit_id: str
    month: str
    revision: int
    live: bool
    sums: Contribution = field(default_factory=dict)


def record_after(event: AuditEvent) -> AuditRecord:
    """The audit's record once this event is applied."""
    if isinstance(event, WITHDRAWALS):
        withdrawn = event.data
        return AuditRecord(
            withdrawn.unit_id, withdrawn.replaces.period, withdrawn.revision, live=False
        )
    data = event.data
    return AuditRecord(data.unit_id, data.period, data.revision, True, contribution(data.items))


def supersedes(event: AuditEvent, current: AuditRecord | None) -> bool:
    return current is None or event.data.revision > current.revision
