"""A person's month score and their standing over a period, before the cap (pure, no I/O).

Decree 335/2025/NĐ-CP scores a civil servant on 100 points: general criteria up to 30, here
10 × the unit's 5S total % + 20 × the person's approved "+" % (both as fractions, weights from
the policy), plus the task result (0-70). Every figure is an exact fraction
(:mod:`services.scoring.domain.exact`); the band is decided on the exact score and only what is
shown is rounded.

The rules, in the order they win:

1. a disciplinary measure (a task result with ``disqualified``) in any month of the period makes
   the period "không hoàn thành", whatever its score and whatever is missing (Decree 335:
   discipline in the year assessed);
2. a period is classified only when every one of its months has both parts, an approved "+"
   review and a task result; otherwise it is *not classified* ("chưa đủ dữ liệu để xếp loại"),
   with each month that lacks something and what — never "không hoàn thành" for missing data;
3. the period's score is the mean of all its months' scores, and its band the best whose lower
   bound that exact score reaches.

A month whose unit was not audited still scores: the policy's ``unit_not_audited`` rule says how
(by default the "+" alone, scaled to the whole of the general criteria), and the month is
flagged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from contracts.events import MissingPart
from services.scoring.domain.exact import exact
from services.scoring.domain.policy import Band, Policy

#: What a month with no record at all lacks.
NOTHING: tuple[MissingPart, ...] = ("task_points", "plus_review")


@dataclass(frozen=True)
class PersonMonth:
    """What a person's month score is made of; a part is None until it arrives."""

    person_id: str
    unit_id: str | None
    unit_total: Fraction | None  # the unit's 5S total %, None when no audit scored it
    plus_percent: Fraction | None  # the approved "+" %, None when nothing was approved
    task_points: Fraction | None  # 0-70, None until the HR system or the unit head sent it
    disqualified: bool = False  # a disciplinary measure in the month

    @property
    def missing(self) -> tuple[MissingPart, ...]:
        """The parts that have not arrived (empty: the month can be scored)."""
        parts: list[MissingPart] = []
        if self.task_points is None:
            parts.append("task_points")
        if self.plus_percent is None:
            parts.append("plus_review")
        return tuple(parts)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def unit_audited(self) -> bool:
        return self.unit_total is not None

    def general(self, policy: Policy) -> Fraction | None:
        """The general criteria (0-30 points with the default weights), exact; None without an
        approved "+". An unaudited unit: the policy's ``unit_not_audited`` rule."""
        if self.plus_percent is None:
            return None
        unit_weight, plus_weight = (
            exact(policy.person.unit_weight),
            exact(policy.person.plus_weight),
        )
        if self.unit_total is None:
            if policy.person.unit_not_audited == "plus_scaled":
                return (unit_weight + plus_weight) * self.plus_percent / 100
            return plus_weight * self.plus_percent / 100
        return (unit_weight * self.unit_total + plus_weight * self.plus_percent) / 100

    def points(self, policy: Policy) -> Fraction | None:
        """The month's score on 100 points, exact; None while a part is missing."""
        general = self.general(policy)
        if general is None or self.task_points is None:
            return None
        return general + self.task_points


@dataclass(frozen=True)
class Standing:
    """A person's period before the cap: score, band, and what keeps it from a band."""

    person_id: str
    unit_id: str | None
    points: Fraction | None  # the mean of every month's score; None unless all are scored
    band: Band | None  # None: not classified
    disqualified: bool
    gaps: tuple[tuple[str, tuple[MissingPart, ...]], ...]  # (month, what it lacks)
    unit_not_audited: tuple[str, ...]  # months scored without their unit's 5S total

    @property
    def missing(self) -> tuple[MissingPart, ...]:
        """Every part some month lacks, in the order of :data:`NOTHING`."""
        lacking = {part for _, parts in self.gaps for part in parts}
        return tuple(part for part in NOTHING if part in lacking)


def assess(
    person_id: str,
    months: Sequence[str],
    found: Mapping[str, PersonMonth],
    policy: Policy,
    unit_id: str | None = None,
) -> Standing:
    """The standing of ``person_id`` over ``months`` (every month of the period, in order), from
    the months ``found`` for them. ``unit_id``: the org chart's, for a person with no month.

    The disqualifier wins over everything, missing data included; otherwise one month lacking a
    part leaves the period not classified (rule 2 above)."""
    if not months:
        raise ValueError("a period has at least one month")
    gaps = tuple(
        (month, found[month].missing if month in found else NOTHING)
        for month in months
        if month not in found or found[month].missing
    )
    present = [found[m] for m in months if m in found]
    disqualified = any(m.disqualified for m in present)
    points = None
    if not gaps:
        scores = [m.points(policy) for m in present]
        points = sum((s for s in scores if s is not None), Fraction(0)) / len(scores)
    band: Band | None
    if disqualified:
        band = "khong_hoan_thanh"
    else:
        band = policy.band_of(points) if points is not None else None
    units = [m.unit_id for m in present if m.unit_id is not None]
    return Standing(
        person_id,
        units[-1] if units else unit_id,
        points,
        band,
        disqualified,
        gaps,
        tuple(
            m
            for m in months
            if m in found and found[m].plus_percent is not None and not found[m].unit_audited
        ),
    )
