"""Folding citizen feedback into ratings per unit, month and level, and noticing a day's spike
of "Rất không hài lòng"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from contracts.events import FeedbackReceived
from services.scoring.adapters import feedback
from services.scoring.domain.satisfaction import VERY_DISSATISFIED, local_day, spike_crossed
from services.scoring.handlers.batch import Batch


async def fold_feedback(batch: Batch, events: Sequence[FeedbackReceived]) -> None:
    levels: dict[tuple[str, str, str, int], int] = defaultdict(int)
    days: dict[tuple[str, str, date], int] = defaultdict(int)
    for e in events:
        levels[(e.ward, e.data.unit_id, e.data.period, e.data.level)] += 1
        if e.data.level == VERY_DISSATISFIED:
            days[(e.ward, e.data.unit_id, local_day(e.occurred_at))] += 1
        batch.touched[e.ward].units.add((e.data.unit_id, e.data.period))
    await feedback.add_feedback(batch.session, levels)
    for (ward, unit, day), after in (
        await feedback.add_very_dissatisfied(batch.session, days)
    ).items():
        if spike_crossed(after - days[(ward, unit, day)], after, batch.policy):
            batch.touched[ward].spikes[(unit, day)] = after
