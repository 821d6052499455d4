"""When a result crosses a policy threshold (pure, no I/O).

A metric is "low" while it is below its threshold. Only a change of that state is news: the first
time it goes low is a detection, the first time it comes back is a recovery, and nothing in
between, however many events touch the subject.

"Below" is decided exactly (:func:`services.scoring.domain.exact.below`) between the figure as a
fraction of integer sums and the threshold as written in the policy: a unit at exactly 60 % is
not under a 60 % threshold, whatever binary floats would have made of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from contracts.common import FIVE_S
from services.scoring.domain.aggregates import PillarSums, total_percent
from services.scoring.domain.exact import Number, below, exact
from services.scoring.domain.policy import Policy

UNIT_METRICS: tuple[str, ...] = ("total", *FIVE_S, "satisfaction")
PERSON_METRICS: tuple[str, ...] = ("points",)


@dataclass(frozen=True)
class Crossing:
    metric: str
    value: Fraction  # the exact figure (0 when it has nothing behind it any more)
    threshold: Fraction  # the policy's threshold, as written
    low: bool  # True: went below; False: came back


def unit_metrics(
    pillars: Mapping[str, PillarSums], weights: Mapping[str, Number] | None = None
) -> dict[str, Fraction | None]:
    """Each 5S pillar's % and the total % (weighted mean of the pillars that were scored), as
    exact fractions; None for a figure with no scored item behind it."""
    values: dict[str, Fraction | None] = {
        p: pillars[p].percent if p in pillars else None for p in FIVE_S
    }
    values["total"] = total_percent({p: s for p, s in pillars.items() if p in FIVE_S}, weights)
    return values


def crossings(
    values: Mapping[str, Number | None],
    was_low: Mapping[str, bool],
    policy: Policy,
    metrics: tuple[str, ...] = UNIT_METRICS,
) -> list[Crossing]:
    """The metrics whose low state differs from what was announced before.

    ``values``: metric → the figure (a %, or a person's points on 100), exact (a Fraction) or
    as written (an int, a decimal); None when nothing is behind it, which is never low.
    Thresholds come from :meth:`Policy.unit_threshold`; the comparison is :func:`below`."""
    found = []
    for metric in metrics:
        value = values.get(metric)
        threshold = policy.unit_threshold(metric)
        low = value is not None and below(value, threshold)
        if low != was_low.get(metric, False):
            figure = exact(value) if value is not None else Fraction(0)
            found.append(Crossing(metric, figure, threshold, low))
    return found
