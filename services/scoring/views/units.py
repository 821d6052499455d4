"""Figures computed from the stored sums: what the API answers and what the events announce.

Every figure is computed here, from integer sums and counts, in one way: a unit's pillars, total
and satisfaction for any set of months. People's figures and the classification of a ward are in
:mod:`services.scoring.views.people`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import FIVE_S
from contracts.periods import Month, Period, rolling_months
from services.scoring.adapters import evidence, feedback, month_sums, org, unit_period
from services.scoring.domain import ranks
from services.scoring.domain.aggregates import PillarSums, add
from services.scoring.domain.alerts import unit_metrics
from services.scoring.domain.exact import figures as shown
from services.scoring.domain.periods import ROLLING
from services.scoring.domain.policy import Policy
from services.scoring.domain.satisfaction import (
    satisfaction_index,
    satisfaction_share,
    satisfied_count,
)


@dataclass(frozen=True)
class Window:
    """What a query's ``period`` names: its months, and the same span just before it."""

    key: str
    months: tuple[str, ...]
    previous: tuple[str, ...]


def window(key: str, current: Month) -> Window:
    """A calendar period (YYYY-MM, YYYY-Qn, YYYY) or a rolling one ending this month."""
    if key in ROLLING:
        size = ROLLING[key]
        months = rolling_months(current, size)
        before = rolling_months(current.shift(-size), size)
        return Window(key, tuple(m.key for m in months), tuple(m.key for m in before))
    period = Period.parse(key)
    return Window(
        period.key,
        tuple(m.key for m in period.months()),
        tuple(m.key for m in period.previous().months()),
    )


@dataclass(frozen=True)
class Question:
    """What a reader of figures asked for, built once per request: the ward read, the window
    of the period named, the policy the figures are scored by and whether to list the events
    behind every figure."""

    ward: str
    span: Window
    policy: Policy
    explain: bool = False


@dataclass
class UnitFigures:
    pillars: dict[str, PillarSums] = field(default_factory=dict)
    feedback: dict[int, int] = field(default_factory=dict)

    def values(self, policy: Policy) -> dict[str, Fraction | None]:
        """Exact figures: each pillar's % and "total" (:func:`unit_metrics`), "satisfaction"
        (the share of satisfied citizens, %, the figure alerted on) and "satisfaction_index"
        (the mean of the level values); None where nothing is behind a figure."""
        values = unit_metrics(self.pillars, policy.pillar_weights)
        values["satisfaction"] = satisfaction_share(self.feedback, policy)
        values["satisfaction_index"] = satisfaction_index(self.feedback, policy)
        return values

    @property
    def ratings(self) -> int:
        return sum(self.feedback.values())

    def include(self, other: UnitFigures) -> None:
        """Add ``other``'s sums and rating counts to these (pooling months, or units)."""
        add(self.pillars, other.pillars)
        for level, n in other.feedback.items():
            self.feedback[level] = self.feedback.get(level, 0) + n


async def unit_figures(
    session: AsyncSession,
    ward: str,
    unit_ids: Iterable[str] | None,
    months: Sequence[str],
) -> dict[str, UnitFigures]:
    """Each unit's sums and rating counts pooled over the months."""
    wanted = month_sums.Selection.of_units(ward, unit_ids, months)
    return _pooled(await _unit_months(session, wanted), wanted.months)


def _pooled(
    per_month: dict[tuple[str, str], UnitFigures], months: Sequence[str]
) -> dict[str, UnitFigures]:
    """Per unit: the figures of the given months added up."""
    pooled: dict[str, UnitFigures] = defaultdict(UnitFigures)
    wanted = set(months)
    for (unit, month), figures in per_month.items():
        if month in wanted:
            pooled[unit].include(figures)
    return dict(pooled)


async def unit_month_figures(
    session: AsyncSession, ward: str, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], UnitFigures]:
    """The figures of each given (unit, month)."""
    return await _unit_months(session, month_sums.Selection.of_pairs(ward, pairs))


async def _unit_months(
    session: AsyncSession, wanted: month_sums.Selection
) -> dict[tuple[str, str], UnitFigures]:
    found: dict[tuple[str, str], UnitFigures] = defaultdict(UnitFigures)
    for key, sums in (await month_sums.unit_sums(session, wanted)).items():
        found[key].pillars.update(sums)
    ratings = await feedback.feedback_counts(session, wanted)
    for key, counts in ratings.items():
        found[key].feedback.update(counts)
    return dict(found)


# --- answers of the query API -------------------------------------------------------------------


def _difference(now: Fraction | None, before: Fraction | None) -> Fraction | None:
    """The exact change from the period before (rounded for display by ``shown``)."""
    return None if now is None or before is None else now - before


async def unit_score(session: AsyncSession, asked: Question, unit_id: str) -> dict[str, Any] | None:
    """A unit's figures for the period ``asked``; None for an id the ward's current org chart
    does not name and nothing was recorded for in the period (a typo, not a unit without
    audits). Before scoring has seen the ward's org chart every id is answered, as it always
    was."""
    ward, span, policy = asked.ward, asked.span, asked.policy
    # The period and the one before it, closed and late marks, in one read: the change is a
    # subtraction away.
    stored = await unit_period.unit_period(session, ward, unit_id, span.months, span.previous)
    if not stored.sums.get(True) and not stored.ratings.get(True) and True not in stored.plus:
        chart = await org.chart(session, ward)
        if chart is not None and not chart.names_unit(unit_id):
            return None
    current = UnitFigures(stored.sums.get(True, {}), stored.ratings.get(True, {}))
    values = current.values(policy)
    previous = UnitFigures(stored.sums.get(False, {}), stored.ratings.get(False, {}))
    previous_values = previous.values(policy)
    closed, late = stored.closed, stored.late
    answer: dict[str, Any] = {
        "unit_id": unit_id,
        "period": span.key,
        "pillars": [
            {
                "pillar": pillar,
                "scored_items": current.pillars.get(pillar, PillarSums()).scored,
                "na_items": current.pillars.get(pillar, PillarSums()).not_applicable,
                **shown(
                    percent=values[pillar],
                    change=_difference(values[pillar], previous_values[pillar]),
                ),
            }
            for pillar in FIVE_S
        ],
        **shown(
            total_percent=values["total"],
            change=_difference(values["total"], previous_values["total"]),
            satisfaction_percent=values["satisfaction"],
            satisfaction_index=values["satisfaction_index"],
        ),
        "plus": _plus(stored.plus.get(True), stored.plus.get(False)),
        "ratings": current.ratings,
        "provisional": not set(span.months) <= closed,
        "late": bool(late),
        "policy_version": policy.version,
    }
    if asked.explain:
        audits = await evidence.live_audits(session, ward, unit_id, span.months)
        answer["explain"] = {
            # Each live audit with what its revision applied adds to each pillar (``sums``),
            # and those of all of them pooled per pillar (``pillar_sums``), whose ratio is the
            # pillar's percent: the basis of each figure, as kept, for checking it by hand.
            "audits": [{**audit, "sums": _by_pillar(sums)} for audit, sums in audits],
            "pillar_sums": _by_pillar(current.pillars),
            "reviews": await evidence.live_unit_reviews(session, ward, unit_id, span.months),
            "ratings_per_level": {str(k): v for k, v in sorted(current.feedback.items())},
            # Each pillar's weight in the total (the policy's; one it does not name weighs 1).
            "pillar_weights": {p: policy.pillar_weights.get(p, 1) for p in FIVE_S},
            # The share's numerator and denominator, for checking it by hand.
            "satisfaction": {
                "satisfied_levels": list(policy.satisfaction.satisfied_levels),
                "satisfied": satisfied_count(current.feedback, policy),
                "ratings": current.ratings,
            },
        }
    return answer


def _sums(sums: PillarSums) -> dict[str, int]:
    """Sums as answered: Σ weight·score (``points``) and Σ weight·4 (``max_points``), both in
    thousandths of a point as kept (weights scaled to thousandths), and the items scored and
    N/A."""
    return {
        "points": sums.points,
        "max_points": sums.max_points,
        "scored_items": sums.scored,
        "na_items": sums.not_applicable,
    }


def _by_pillar(sums: dict[str, PillarSums]) -> dict[str, dict[str, int]]:
    """Every pillar's sums (:func:`_sums`), in S1–S5 order; zeros for a pillar with none."""
    return {pillar: _sums(sums.get(pillar, PillarSums())) for pillar in FIVE_S}


def _plus(now: PillarSums | None, before: PillarSums | None) -> dict[str, Any]:
    """The unit's "+" (P): 100 · Σ approved "+" points / Σ their maxima over its people's
    reviewed months of the period, one ratio of integer sums (README, "A unit's "+""); the sums
    are in thousandths, as a pillar's. ``percent`` and ``change`` are None where no "+" item was
    approved."""
    now_percent = now.percent if now is not None else None
    before_percent = before.percent if before is not None else None
    return {
        **_sums(now or PillarSums()),
        **shown(percent=now_percent, change=_difference(now_percent, before_percent)),
    }


async def rankings(session: AsyncSession, asked: Question) -> dict[str, Any]:
    """Units by 5S total %, best first (ordered on the exact totals, not the rounded ones shown;
    units without a scored audit last, then by id), with citizen satisfaction beside it: the
    share of satisfied citizens and the satisfaction index."""
    span, policy = asked.span, asked.policy
    ranked: list[tuple[Fraction | None, str, dict[str, Any]]] = []
    for unit, figures in (await unit_figures(session, asked.ward, None, span.months)).items():
        values = figures.values(policy)
        row = {
            "unit_id": unit,
            **shown(
                total_percent=values["total"],
                satisfaction_percent=values["satisfaction"],
                satisfaction_index=values["satisfaction_index"],
            ),
            "ratings": figures.ratings,
        }
        ranked.append((values["total"], unit, row))
    rows = [{**row, "rank": rank} for rank, row in ranks.ranked(ranked)]
    return {"period": span.key, "units": rows, "policy_version": policy.version}
