"""Scores kept as sums and counts, never as stored averages (pure, no I/O).

Weights are scaled to whole thousandths so that every sum is an integer: adding an audit and
retracting it later leaves exactly what was there, in any order, and a rebuild from the stream
gives the same figures to the last digit.

Pillar % = 100 · Σ(weight · score) / Σ(weight · 4) over the items that are not N/A, pooled over
every live audit of the period. Total % = the mean of the pillar %s that have a scored item,
weighted by the policy. Both are exact fractions (:mod:`services.scoring.domain.exact`), made only
where a figure is announced or answered: the sums themselves stay plain integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

from contracts.catalog import SCORE_MAX
from services.scoring.domain.exact import Number, exact, ratio_percent

WEIGHT_SCALE = 1000


@dataclass(slots=True)
class PillarSums:
    """What a pillar adds up to over some items: the numerator and denominator of its %.

    A value: never changed once made (the operators return new sums). Not a frozen dataclass
    only because a frozen one is three times slower to make, and several are made for every
    audit on the consumer's hot path."""

    points: int = 0  # Σ weight·score, in thousandths
    max_points: int = 0  # Σ weight·4, in thousandths
    scored: int = 0  # items with a score
    not_applicable: int = 0  # items marked N/A

    def __add__(self, other: PillarSums) -> PillarSums:
        return PillarSums(
            self.points + other.points,
            self.max_points + other.max_points,
            self.scored + other.scored,
            self.not_applicable + other.not_applicable,
        )

    def __neg__(self) -> PillarSums:
        return PillarSums(-self.points, -self.max_points, -self.scored, -self.not_applicable)

    def __sub__(self, other: PillarSums) -> PillarSums:
        return self + (-other)

    @property
    def is_zero(self) -> bool:
        return not (self.points or self.max_points or self.scored or self.not_applicable)

    @property
    def percent(self) -> Fraction | None:
        """100 · points / max points exactly (the weights' thousandths cancel out); None when
        no item was scored."""
        return ratio_percent(self.points, self.max_points)


Contribution = dict[str, PillarSums]


def scaled_weight(weight: float) -> int:
    return round(weight * WEIGHT_SCALE)


class Scored(Protocol):
    """A scored item as ``contracts.events.ScoredItem`` (or the hot path's struct) has it."""

    @property
    def pillar(self) -> str: ...
    @property
    def weight(self) -> float: ...
    @property
    def score(self) -> int | None: ...


def contribution(items: Iterable[Scored]) -> Contribution:
    """What a set of scored items adds to each pillar."""
    # Plain integer counters, made into PillarSums once per pillar, and each distinct weight
    # scaled once: this runs for every item of every audit on the consumer's hot path.
    counters: dict[str, list[int]] = {}
    for item in items:
        score = item.score
        slot = counters.get(item.pillar)
        if slot is None:
            slot = counters[item.pillar] = [0, 0, 0, 0]
        if score is None:
            slot[3] += 1
            continue
        weight = _SCALED.get(item.weight)
        if weight is None:
            weight = _SCALED[item.weight] = scaled_weight(item.weight)
        slot[0] += weight * score
        slot[1] += weight
        slot[2] += 1
    return {
        pillar: PillarSums(points, weights * SCORE_MAX, scored, not_applicable)
        for pillar, (points, weights, scored, not_applicable) in counters.items()
    }


#: Scaled weights by weight: a catalogue has a handful of distinct ones.
_SCALED: dict[float, int] = {}


def add(into: dict[str, PillarSums], more: Mapping[str, PillarSums], sign: int = 1) -> None:
    for pillar, sums in more.items():
        into[pillar] = into.get(pillar, PillarSums()) + (sums if sign > 0 else -sums)


def total_percent(
    pillars: Mapping[str, PillarSums], weights: Mapping[str, Number] | None = None
) -> Fraction | None:
    """The weighted mean of the pillar %s that have at least one scored item, exactly: each
    pillar's fraction times its policy weight taken as the decimal written in the policy (a
    pillar the policy does not name weighs 1). None when no pillar has a scored item, or when
    the scored pillars weigh nothing together.

    Example: pillars at 13/24, 14/28, 7/24, 20/24 and 20/24 of their maximum, equal weights,
    make (325/6 + 50 + 175/6 + 250/3 + 250/3) / 5 = 60 exactly."""
    scored = {
        code: percent for code, sums in pillars.items() if (percent := sums.percent) is not None
    }
    if not scored:
        return None
    weight_of = {code: exact(weights.get(code, 1) if weights else 1) for code in scored}
    total_weight = sum(weight_of.values(), Fraction(0))
    if total_weight <= 0:
        return None
    weighted = sum((weight_of[code] * percent for code, percent in scored.items()), Fraction(0))
    return weighted / total_weight


#: A contribution as a flat tuple: pillar, points, max points, scored, N/A; pillar, ...
FlatSums = tuple[Any, ...]


def flatten(sums: Mapping[str, PillarSums]) -> FlatSums:
    flat: list[Any] = []
    for pillar, s in sums.items():
        flat += (pillar, s.points, s.max_points, s.scored, s.not_applicable)
    return tuple(flat)


def sums_json_text(flat: FlatSums) -> str:
    """A contribution as the JSON the store keeps (``{pillar: [4 integers]}``), written
    directly (pillar codes need no escaping): this runs for every audit, live and rebuilt."""
    parts = [
        f'"{flat[i]}": [{flat[i + 1]}, {flat[i + 2]}, {flat[i + 3]}, {flat[i + 4]}]'
        for i in range(0, len(flat), 5)
    ]
    return "{" + ", ".join(parts) + "}"
