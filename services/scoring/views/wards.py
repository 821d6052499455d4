"""A city's wards side by side: each ward's figures pooled over all its units, for the city's
officials (role ``city``), who read the wards of their city and no other."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.adapters import closes, org
from services.scoring.domain import ranks
from services.scoring.domain.exact import figures as shown
from services.scoring.domain.policy import BANDS, Policy
from services.scoring.views.people import classification
from services.scoring.views.units import UnitFigures, Window, unit_figures

#: How a ward's people are counted: the four bands, then those without one.
PEOPLE_COUNTS = (*BANDS, "pending_decision", "not_classified")


async def ward_figures(
    session: AsyncSession, ward: str, months: Sequence[str]
) -> tuple[UnitFigures, int]:
    """The ward's sums and rating counts pooled over every unit and month, exactly as a unit's
    are pooled over its months, and how many units have a live audit in the months."""
    pooled = UnitFigures()
    audited = 0
    for figures in (await unit_figures(session, ward, None, months)).values():
        pooled.include(figures)
        audited += bool(figures.pillars)
    return pooled, audited


async def people_per_band(
    session: AsyncSession, ward: str, span: Window, policy: Policy
) -> dict[str, int]:
    """How many of the ward's people the classification of ``span`` puts in each band, and how
    many wait for the chairman or are not classified (``PEOPLE_COUNTS``)."""
    result = await classification(session, ward, span.key, span.months, policy)
    counted: Counter[str] = Counter(
        p.band if p.status == "classified" and p.band else p.status for p in result.people
    )
    return {name: counted.get(name, 0) for name in PEOPLE_COUNTS}


def _difference(now: Fraction | None, before: Fraction | None) -> Fraction | None:
    return None if now is None or before is None else now - before


async def city_rankings(
    session: AsyncSession, city: str, span: Window, policy: Policy, with_people: bool
) -> dict[str, Any]:
    """The wards whose current org chart names ``city``, by 5S total %, best first (ordered on
    the exact totals; wards without a scored audit last, then by id). Per ward: its name, the
    total % of every unit's audits pooled (``100 · Σ weight·score / Σ weight·4`` per pillar,
    then the policy's weighted mean of the pillars) and its change from the period before, the
    share of satisfied citizens and the satisfaction index over all its ratings (and the
    share's change), the ratings, units audited of the units in its chart, whether the period
    is still open, and, ``with_people`` (a month, quarter or year not after this one), its
    people per band of the classification (else None)."""
    ranked: list[tuple[Fraction | None, str, dict[str, Any]]] = []
    for ward, name, units_in_chart in await org.city_wards(session, city):
        now, audited = await ward_figures(session, ward, span.months)
        before, _ = await ward_figures(session, ward, span.previous)
        values, previous = now.values(policy), before.values(policy)
        row = {
            "ward": ward,
            "ward_name": name,
            **shown(
                total_percent=values["total"],
                change=_difference(values["total"], previous["total"]),
                satisfaction_percent=values["satisfaction"],
                satisfaction_change=_difference(values["satisfaction"], previous["satisfaction"]),
                satisfaction_index=values["satisfaction_index"],
            ),
            "ratings": now.ratings,
            "units_audited": audited,
            "units_in_chart": units_in_chart,
            "people": await people_per_band(session, ward, span, policy) if with_people else None,
            "provisional": not await closes.all_closed(session, ward, span.months),
        }
        ranked.append((values["total"], ward, row))
    rows = [{**row, "rank": rank} for rank, row in ranks.ranked(ranked)]
    return {"city": city, "period": span.key, "wards": rows, "policy_version": policy.version}
