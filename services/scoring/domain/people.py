"""A person's score, band and income tier (pure, no I/O).

Decree 335/2025/NĐ-CP scores a civil servant on 100 points: general criteria up to 30, here
10 × the unit's 5S total % + 20 × the person's approved "+" % (both as fractions, weights from
the policy), plus the task result (0-70). The band follows from the score; a disqualifier forces
the lowest band. "Xuất sắc" may be held by at most a policy share of those rated "tốt" or better
in the ward: the highest scores keep it, ties at the cut are broken by person id (so the result
never depends on arrival order) and flagged. The income tier is a share of the maximum
coefficient by band.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from contracts.events import Classification
from services.scoring.domain.policy import Policy

#: Scores are compared and reported to the hundredth, so float noise never moves a band.
POINTS_DIGITS = 2


@dataclass(frozen=True)
class PersonMonth:
    """What a person's month score is made of."""

    person_id: str
    unit_id: str
    unit_total: float | None  # the unit's 5S total %, None when no audit scored it
    plus_percent: float | None  # the approved "+" %, None when nothing was approved
    task_points: float | None  # None until the HR/task system sent it
    disqualified: bool = False  # a disciplinary measure in the month (from the HR system)

    def points(self, policy: Policy) -> float:
        general = (
            policy.person.unit_weight * (self.unit_total or 0.0)
            + policy.person.plus_weight * (self.plus_percent or 0.0)
        ) / 100.0
        return round(general + (self.task_points or 0.0), POINTS_DIGITS)

    @property
    def complete(self) -> bool:
        """Every part arrived; otherwise a classification on it is provisional."""
        return None not in (self.unit_total, self.plus_percent, self.task_points)


@dataclass(frozen=True)
class Candidate:
    """A person to classify for a period: the score and whether it is final."""

    person_id: str
    unit_id: str
    points: float
    provisional: bool = False
    disqualified: bool = False


def period_candidate(months: Sequence[PersonMonth], policy: Policy) -> Candidate:
    """A quarter or year scores the mean of its months' scores."""
    if not months:
        raise ValueError("a period candidate needs at least one month")
    points = round(sum(m.points(policy) for m in months) / len(months), POINTS_DIGITS)
    return Candidate(
        months[-1].person_id,
        months[-1].unit_id,
        points,
        provisional=not all(m.complete for m in months),
        disqualified=any(m.disqualified for m in months),
    )


def classify(candidates: Iterable[Candidate], policy: Policy) -> list[Classification]:
    """Band everyone of one ward, then apply the cap on "xuất sắc" and the income tier."""
    people = sorted(candidates, key=lambda c: (-c.points, c.person_id))
    band = {
        c.person_id: "khong_hoan_thanh" if c.disqualified else policy.band_of(c.points)
        for c in people
    }
    good_or_better = sum(1 for c in people if band[c.person_id] in ("xuat_sac", "tot"))
    quota = math.floor(policy.excellent_quota * good_or_better + 1e-9)
    excellent = [c for c in people if band[c.person_id] == "xuat_sac"]
    demoted: set[str] = set()
    tied: set[str] = set()
    if len(excellent) > quota:
        demoted = {c.person_id for c in excellent[quota:]}
        cut = excellent[quota - 1].points if quota else None
        if cut is not None and excellent[quota].points == cut:
            tied = {c.person_id for c in excellent if c.points == cut}
    result = []
    for c in people:
        final_band = "tot" if c.person_id in demoted else band[c.person_id]
        share = policy.income.shares[final_band]
        result.append(
            Classification(
                person_id=c.person_id,
                unit_id=c.unit_id,
                points=c.points,
                band=final_band,
                quota_demoted=c.person_id in demoted,
                tie_at_cap=c.person_id in tied,
                provisional=c.provisional,
                income_share=share,
                income_coefficient=round(share * policy.income.max_coefficient, 4),
            )
        )
    return result
