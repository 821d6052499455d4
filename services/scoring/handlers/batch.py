"""One batch of the consumer as its folds and its announcement share it: the unit of work it is
applied in, the policy, and what it changed per ward."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.runtime.uow import UnitOfWork
from services.scoring.adapters.month_sums import PersonMonthKey, SumsKey
from services.scoring.domain.aggregates import PillarSums
from services.scoring.domain.audits import AuditRecord
from services.scoring.domain.policy import Policy
from services.scoring.domain.reviews import ReviewRecord


@dataclass
class Touched:
    """What a batch changed, per ward: the figures to announce again."""

    units: set[tuple[str, str]] = field(default_factory=set)  # unit, month
    audited: set[tuple[str, str]] = field(default_factory=set)  # whose 5S sums changed
    people: set[tuple[str, str]] = field(default_factory=set)  # person, month
    spikes: dict[tuple[str, date], int] = field(default_factory=dict)  # unit, day -> count
    closed: set[str] = field(default_factory=set)  # months closed by this batch


@dataclass
class Batch:
    """A batch being applied: its unit of work (session, time, outbox), the policy and what it
    touched, per ward. ``audit_records`` is the record after each of the batch's audit events,
    in order, worked out before the wards' locks are taken (``audits.prepare``)."""

    uow: UnitOfWork
    policy: Policy
    touched: defaultdict[str, Touched] = field(default_factory=lambda: defaultdict(Touched))
    audit_records: Sequence[AuditRecord] = ()

    @property
    def session(self) -> AsyncSession:
        return self.uow.session


#: Where a pillar's sums go: a unit's month and pillar, or a person's month.
Slot = TypeVar("Slot", SumsKey, PersonMonthKey)


def replace_contribution(
    deltas: dict[Slot, PillarSums],
    old: AuditRecord | ReviewRecord | None,
    new: AuditRecord | ReviewRecord,
    slot_of: Callable[[Any, str], Slot | None],
) -> None:
    """Retract what the old version of a document contributed and add what the new one does
    (``slot_of(record, pillar)`` says where a pillar's sums go, None for nowhere)."""
    for record, sign in ((old, -1), (new, 1)):
        if record is None or not record.live:
            continue
        for pillar, sums in record.sums.items():
            slot = slot_of(record, pillar)
            if slot is not None:
                deltas[slot] += sums if sign > 0 else -sums
