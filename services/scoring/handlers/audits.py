"""Folding audit events (submitted, amended, withdrawn) into the units' monthly sums."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import partial
from typing import Any

from contracts import fast
from services.runtime.poison import screen_fast
from services.scoring.adapters import month_sums, records
from services.scoring.adapters.month_sums import SumsKey
from services.scoring.adapters.records import AuditKey
from services.scoring.domain.aggregates import PillarSums
from services.scoring.domain.audits import (
    AuditEvent,
    AuditRecord,
    HeldAudit,
    held,
    record_after,
    supersedes,
)
from services.scoring.handlers.batch import Batch, replace_contribution

#: The hot path's audit structs, which the consumer holds reduced (:func:`decode`).
_FAST_AUDITS = tuple(fast.MIRRORS)


def decode(subject: str, data: bytes) -> Any:
    """The consumer's decoder: ``poison.screen_fast`` (the same messages taken and refused, with
    the same reasons), an audit then reduced to what the fold reads of it, its items to their
    pillar sums (:class:`HeldAudit`), so that a batch held until its commit does not keep every
    audit's item objects. Raises ``Poison`` as the screen does."""
    event = screen_fast(subject, data)
    return held(event) if isinstance(event, _FAST_AUDITS) else event


def prepare(events: Sequence[AuditEvent | HeldAudit]) -> list[AuditRecord]:
    """The audit's record after each event. It depends on the event alone, so it is worked out
    before the wards' locks are taken: another instance's batch does not wait for it (a held
    audit made its record when it was decoded)."""
    return [record_after(event) for event in events]


async def fold_audits(batch: Batch, events: Sequence[AuditEvent | HeldAudit]) -> None:
    """Each audit event against its audit's stored record: a newer version retracts what the
    old one contributed and adds its own (``batch.audit_records``, from :func:`prepare`)."""
    session = batch.session
    keys = [(e.ward, str(_audit_id(e))) for e in events]
    stored = await records.load(session, records.AUDITS, keys)
    changed: dict[AuditKey, tuple[AuditRecord, str]] = {}
    deltas: dict[SumsKey, PillarSums] = defaultdict(PillarSums)
    after = batch.audit_records or prepare(events)
    for event, new, key in zip(events, after, keys, strict=True):
        current = stored.get(key)
        if not supersedes(new, current):
            continue
        replace_contribution(deltas, current, new, partial(_unit_slot, key[0]))
        stored[key] = new
        changed[key] = (new, str(event.event_id))
    await records.save(session, records.AUDITS, changed)
    await month_sums.add_to_unit_months(session, deltas)
    for ward, unit, month, _ in deltas:
        batch.touched[ward].units.add((unit, month))
        batch.touched[ward].audited.add((unit, month))


def _audit_id(event: AuditEvent | HeldAudit) -> object:
    return event.audit_id if isinstance(event, HeldAudit) else event.data.audit_id


def _unit_slot(ward: str, record: AuditRecord, pillar: str) -> SumsKey:
    return (ward, record.unit_id, record.month, pillar)
