"""Folding audit events (submitted, amended, withdrawn) into the units' monthly sums."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import partial

from services.scoring.adapters import month_sums, records
from services.scoring.adapters.month_sums import SumsKey
from services.scoring.adapters.records import AuditKey
from services.scoring.domain.aggregates import PillarSums
from services.scoring.domain.audits import AuditEvent, AuditRecord, record_after, supersedes
from services.scoring.handlers.batch import Batch, replace_contribution


def prepare(events: Sequence[AuditEvent]) -> list[AuditRecord]:
    """The audit's record after each event. It depends on the event alone, so it is worked out
    before the wards' locks are taken: another instance's batch does not wait for it."""
    return [record_after(event) for event in events]


async def fold_audits(batch: Batch, events: Sequence[AuditEvent]) -> None:
    """Each audit event against its audit's stored record: a newer version retracts what the
    old one contributed and adds its own (``batch.audit_records``, from :func:`prepare`)."""
    session = batch.session
    keys = [(e.ward, str(e.data.audit_id)) for e in events]
    stored = await records.load(session, records.AUDITS, keys)
    changed: dict[AuditKey, tuple[AuditRecord, str]] = {}
    deltas: dict[SumsKey, PillarSums] = defaultdict(PillarSums)
    after = batch.audit_records or prepare(events)
    for event, new, key in zip(events, after, keys, strict=True):
        current = stored.get(key)
        if not supersedes(event, current):
            continue
        replace_contribution(deltas, current, new, partial(_unit_slot, key[0]))
        stored[key] = new
        changed[key] = (new, str(event.event_id))
    await records.save(session, records.AUDITS, changed)
    await month_sums.add_to_unit_months(session, deltas)
    for ward, unit, month, _ in deltas:
        batch.touched[ward].units.add((unit, month))
        batch.touched[ward].audited.add((unit, month))


def _unit_slot(ward: str, record: AuditRecord, pillar: str) -> SumsKey:
    return (ward, record.unit_id, record.month, pillar)
