"""Read-side queries of the scoring service: figures computed from the stored sums."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import FIVE_S
from contracts.periods import Period
from services.scoring.adapters import store
from services.scoring.adapters.tables import closed_periods
from services.scoring.domain.aggregates import PillarSums, add
from services.scoring.domain.alerts import unit_metrics
from services.scoring.domain.policy import Policy


async def unit_score(
    session: AsyncSession, ward: str, unit_id: str, period: Period, policy: Policy
) -> dict[str, Any]:
    months = [m.key for m in period.months()]
    per_month = await store.unit_sums(session, ward, [unit_id], months)
    pooled: dict[str, PillarSums] = {}
    for sums in per_month.values():
        add(pooled, sums)
    closed = set(
        await session.scalars(
            select(closed_periods.c.period).where(
                closed_periods.c.ward == ward, closed_periods.c.period.in_(months)
            )
        )
    )
    values = unit_metrics(pooled)
    return {
        "unit_id": unit_id,
        "period": period.key,
        "pillars": [
            {
                "pillar": pillar,
                "percent": _round(values[pillar]),
                "scored_items": pooled.get(pillar, PillarSums()).scored,
                "na_items": pooled.get(pillar, PillarSums()).not_applicable,
            }
            for pillar in FIVE_S
        ],
        "total_percent": _round(values["total"]),
        "provisional": not set(months) <= closed,
        "policy_version": policy.version,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
