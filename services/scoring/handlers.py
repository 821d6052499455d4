"""The scoring service layer: apply a batch of events to the read model, in the consumer's
transaction, and stage the events that announce what changed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import FIVE_S
from contracts.envelope import SYSTEM, Event
from contracts.events import (
    AuditAmended,
    AuditSubmitted,
    AuditWithdrawn,
    LowScoreData,
    LowScoreDetected,
    LowScoreRecovered,
    PeriodClosed,
    PillarScore,
    ScoreData,
    ScoreUpdated,
)
from services.runtime.db import upsert
from services.runtime.outbox import stage
from services.scoring.adapters import store
from services.scoring.adapters.tables import closed_periods, plumbing
from services.scoring.domain.aggregates import PillarSums
from services.scoring.domain.alerts import crossings, unit_metrics
from services.scoring.domain.audits import AuditRecord, record_after, supersedes
from services.scoring.domain.policy import Policy

AUDIT_EVENTS = (AuditSubmitted, AuditAmended, AuditWithdrawn)


class Scoring:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    async def apply(self, session: AsyncSession, events: Sequence[Event]) -> None:
        audit_events = [e for e in events if isinstance(e, AUDIT_EVENTS)]
        touched = await self._apply_audits(session, audit_events)
        for event in events:
            if isinstance(event, PeriodClosed):
                await session.execute(
                    upsert(session, closed_periods)
                    .values(ward=event.ward, period=event.data.period, closed_at=event.occurred_at)
                    .on_conflict_do_nothing()
                )
        if touched:
            await self._announce(session, touched)

    async def _apply_audits(
        self,
        session: AsyncSession,
        events: Sequence[AuditSubmitted | AuditAmended | AuditWithdrawn],
    ) -> set[tuple[str, str, str]]:
        """Fold audit events into the sums; returns the (ward, unit, month)s that changed."""
        if not events:
            return set()
        keys = [(e.ward, str(e.data.audit_id)) for e in events]
        records = await store.load_audit_records(session, keys)
        changed: dict[store.AuditKey, AuditRecord] = {}
        deltas: dict[tuple[str, str, str, str], PillarSums] = {}
        for event, key in zip(events, keys, strict=True):
            current = records.get(key)
            if not supersedes(event, current):
                continue
            new = record_after(event)
            for record, sign in ((current, -1), (new, 1)):
                if record is None or not record.live:
                    continue
                for pillar, sums in record.sums.items():
                    slot = (key[0], record.unit_id, record.month, pillar)
                    deltas[slot] = deltas.get(slot, PillarSums()) + (sums if sign > 0 else -sums)
            records[key] = changed[key] = new
        await store.save_audit_records(session, changed)
        await store.add_to_unit_months(session, deltas)
        return {(ward, unit, month) for ward, unit, month, _ in deltas}

    async def _announce(self, session: AsyncSession, touched: set[tuple[str, str, str]]) -> None:
        """A score update per changed unit-month, and a low-score event per threshold crossed."""
        now = datetime.now(UTC)
        out: list[Event] = []
        by_ward: dict[str, set[tuple[str, str]]] = {}
        for ward, unit, month in touched:
            by_ward.setdefault(ward, set()).add((unit, month))
        for ward, pairs in by_ward.items():
            sums = await store.unit_sums(
                session, ward, {u for u, _ in pairs}, {m for _, m in pairs}
            )
            closed = set(
                await session.scalars(
                    select(closed_periods.c.period).where(
                        closed_periods.c.ward == ward,
                        closed_periods.c.period.in_([m for _, m in pairs]),
                    )
                )
            )
            flag_keys = [
                (ward, "unit", unit, month, metric)
                for unit, month in pairs
                for metric in ("total", *FIVE_S)
            ]
            flags = await store.load_flags(session, flag_keys)
            new_flags: dict[store.FlagKey, tuple[bool, float | None]] = {}
            for unit, month in sorted(pairs):
                pillars = sums.get((unit, month), {})
                values = unit_metrics(pillars)
                final = month in closed
                out.append(
                    ScoreUpdated(
                        ward=ward,
                        occurred_at=now,
                        actor=SYSTEM,
                        data=ScoreData(
                            subject_kind="unit",
                            subject_id=unit,
                            unit_id=unit,
                            period=month,
                            pillars=tuple(
                                PillarScore(
                                    pillar=p,
                                    percent=s.percent,
                                    scored_items=s.scored,
                                    na_items=s.not_applicable,
                                )
                                for p, s in sorted(pillars.items())
                            ),
                            total_percent=values["total"],
                            policy_version=self.policy.version,
                        ),
                    )
                )
                if not (final or self.policy.alert_on_provisional):
                    continue
                was_low = {
                    key[4]: low for key, low in flags.items() if key[2] == unit and key[3] == month
                }
                for crossing in crossings(values, was_low, self.policy):
                    new_flags[(ward, "unit", unit, month, crossing.metric)] = (
                        crossing.low,
                        values.get(crossing.metric),
                    )
                    kind = LowScoreDetected if crossing.low else LowScoreRecovered
                    out.append(
                        kind(
                            ward=ward,
                            occurred_at=now,
                            actor=SYSTEM,
                            data=LowScoreData(
                                subject_kind="unit",
                                subject_id=unit,
                                unit_id=unit,
                                period=month,
                                metric=crossing.metric,
                                value=round(crossing.value, 2),
                                threshold=crossing.threshold,
                                final=final,
                                policy_version=self.policy.version,
                            ),
                        )
                    )
            await store.save_flags(session, new_flags)
        await stage(session, plumbing.outbox, out)
