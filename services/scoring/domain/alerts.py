"""When a result crosses a policy threshold (pure, no I/O).

A metric is "low" while it is below its threshold. Only a change of that state is news: the first
time it goes low is a detection, the first time it comes back is a recovery, and nothing in
between, however many events touch the subject.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from contracts.common import FIVE_S
from services.scoring.domain.aggregates import PillarSums, total_percent
from services.scoring.domain.policy import Policy

UNIT_METRICS: tuple[str, ...] = ("total", *FIVE_S, "satisfaction")
PERSON_METRICS: tuple[str, ...] = ("points",)


@dataclass(frozen=True)
class Crossing:
    metric: str
    value: float
    threshold: float
    low: bool  # True: went below; False: came back


def unit_metrics(
    pillars: Mapping[str, PillarSums], weights: Mapping[str, float] | None = None
) -> dict[str, float | None]:
    """Each 5S pillar's % and the total % (weighted mean of the pillars that were scored)."""
    values: dict[str, float | None] = {
        p: pillars[p].percent if p in pillars else None for p in FIVE_S
    }
    values["total"] = total_percent({p: s for p, s in pillars.items() if p in FIVE_S}, weights)
    return values


def crossings(
    values: Mapping[str, float | None],
    was_low: Mapping[str, bool],
    policy: Policy,
    metrics: tuple[str, ...] = UNIT_METRICS,
) -> list[Crossing]:
    """The metrics whose low state differs from what was announced before."""
    found = []
    for metric in metrics:
        value = values.get(metric)
        threshold = policy.unit_threshold(metric)
        low = value is not None and value < threshold
        if low != was_low.get(metric, False):
            found.append(Crossing(metric, value if value is not None else 0.0, threshold, low))
    return found
