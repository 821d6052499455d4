"""Scoring's low scores and recoveries: an alert about a unit's low score to its leaders, resolved
when the score recovers, and noted as final when its period's result is."""

from __future__ import annotations

from contracts.events import LowScoreData, LowScoreDetected, LowScoreRecovered, ScoreFinalized
from services.notifications.adapters import alerts, org
from services.notifications.domain import rules
from services.notifications.domain.low_scores import (
    STATED_METRICS,
    final_note,
    low_score_message,
    rule_name,
)
from services.notifications.domain.messages import citizen_message
from services.notifications.domain.texts import Message
from services.notifications.handlers.alerts import Raising, raise_alerts, resolve
from services.notifications.handlers.context import Context
from services.runtime.consumer import RetryLater


async def raise_low_score(ctx: Context, event: LowScoreDetected) -> None:
    """Alert a unit's low score (a person's is a matter for their evaluation, not an alert) to
    the first level of its rule's route; a dissatisfaction spike is keyed by its day. Raises
    ``RetryLater`` while the unit's chart is not here yet."""
    data = event.data
    if data.subject_kind != "unit":
        return
    rule = rule_name(data.metric)
    # A spike is about one day: each day it happens is news of its own.
    period = (
        data.day.isoformat() if data.day and data.metric in rules.DAILY_METRICS else data.period
    )
    people = await org.load_people(ctx.session, event.ward)
    way = rules.route(rule, data.unit_id, people)
    if not way.initial():
        # The org chart comes on another stream and may not be here yet: try again shortly.
        raise RetryLater(f"no recipient known yet for unit {data.unit_id}")
    await raise_alerts(
        ctx,
        Raising(
            ward=event.ward,
            rule=rule,
            subject_id=data.unit_id,
            period=period,
            unit_id=data.unit_id,
            message=await _message(ctx, event.ward, data, period),
            critical=data.final,
            correlation_id=event.correlation_id,
        ),
        way.initial(),
        way,
    )


async def resolve_recovered(ctx: Context, event: LowScoreRecovered) -> None:
    """The unit's score is back above its threshold: resolve the alerts about it."""
    low = event.data
    await resolve(ctx, event.ward, rule_name(low.metric), low.unit_id, low.period)


async def note_final(ctx: Context, event: ScoreFinalized) -> None:
    """A unit's result for a period is final: its low-score alerts raised while it was
    provisional say so beneath what they said when raised ("tạm tính tại thời điểm cảnh báo"),
    so no page shows a closed month as provisional. Once per alert, however often the final
    result is announced again."""
    data = event.data
    if data.subject_kind != "unit":
        return
    unit = await org.unit_name(ctx.session, event.ward, data.unit_id)
    await alerts.annotate(
        ctx.session,
        event.ward,
        [rule_name(metric) for metric in STATED_METRICS],
        data.unit_id,
        data.period,
        final_note(data.period, unit),
        ctx.now,
    )


async def _message(ctx: Context, ward: str, data: LowScoreData, period: str) -> Message:
    unit = await org.unit_name(ctx.session, ward, data.unit_id)
    if data.metric in rules.CITIZEN_METRICS:
        return citizen_message(data.metric, data.value, data.threshold, unit, period)
    return low_score_message(data, unit)
