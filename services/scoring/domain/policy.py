"""The scoring policy: thresholds and weights, versioned (pure: the composition root reads the
file, :mod:`services.scoring.adapters.policy_file`, and hands the model to the domain)."""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.events import QuotaBase
from services.scoring.domain.exact import Number, at_least, exact

Band = Literal["xuat_sac", "tot", "hoan_thanh", "khong_hoan_thanh"]
#: From the best band to the worst.
BANDS: tuple[Band, ...] = ("xuat_sac", "tot", "hoan_thanh", "khong_hoan_thanh")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UnitThresholds(Frozen):
    pillar_below: float = Field(ge=0, le=100)
    total_below: float = Field(ge=0, le=100)


class SatisfactionPolicy(Frozen):
    """How citizen ratings (levels 5 "Rất hài lòng" … 1 "Rất không hài lòng") are measured.

    The measure officials report, and the one alerted on, is the share of satisfied citizens
    (tỷ lệ hài lòng): the ratings at a ``satisfied_levels`` level over all ratings, as SIPAS
    reports it (82.66 % nationally in 2023). The mean of ``level_values`` stays beside it as the
    satisfaction index (chỉ số hài lòng)."""

    level_values: dict[int, int] = {5: 100, 4: 75, 3: 50, 2: 25, 1: 0}
    #: Levels counted as satisfied: "Rất hài lòng" and "Hài lòng".
    satisfied_levels: tuple[int, ...] = (5, 4)
    #: A unit's month is low while its share of satisfied citizens is under this %.
    monthly_below: float = Field(default=80, ge=0, le=100)
    very_dissatisfied_per_day: int = Field(default=3, ge=1)

    @model_validator(mode="after")
    def _satisfied_levels_are_levels(self) -> SatisfactionPolicy:
        unknown = set(self.satisfied_levels) - set(self.level_values)
        if unknown or not self.satisfied_levels:
            raise ValueError(f"satisfied_levels must be levels of level_values: {sorted(unknown)}")
        return self


#: What a month's general criteria are when the person's unit was not audited that month:
#: ``plus_scaled``, the "+" alone scaled to the whole of the general criteria (unit weight + "+"
#: weight), flagged ``unit_not_audited``; ``zero``, the unit's part counted as 0.
UnitNotAudited = Literal["plus_scaled", "zero"]


class PersonPolicy(Frozen):
    unit_weight: float = Field(default=10, ge=0)
    plus_weight: float = Field(default=20, ge=0)
    points_below: float = Field(default=50, ge=0, le=100)
    #: The default keeps what a policy file without the setting meant (2026.1 counted the unit's
    #: part as 0); 2026.2 sets ``plus_scaled``.
    unit_not_audited: UnitNotAudited = "zero"


class BandThresholds(Frozen):
    xuat_sac: float = 90
    tot: float = 70
    hoan_thanh: float = 50


class IncomePolicy(Frozen):
    """Additional income by band, as shares of the maximum coefficient: ``caps`` are the most
    the rules allow (Decision 20/2024/QĐ-UBND: "tốt" at most 80 %), ``shares`` what the ward
    pays, each at most its cap."""

    max_coefficient: float = Field(default=1.8, ge=0)
    caps: dict[Band, float] = {
        "xuat_sac": 1.0,
        "tot": 0.8,
        "hoan_thanh": 0.0,
        "khong_hoan_thanh": 0.0,
    }
    shares: dict[Band, float] = {
        "xuat_sac": 1.0,
        "tot": 0.8,
        "hoan_thanh": 0.0,
        "khong_hoan_thanh": 0.0,
    }

    @model_validator(mode="after")
    def _shares_within_caps(self) -> IncomePolicy:
        over = [b for b in BANDS if exact(self.shares[b]) > exact(self.caps[b])]
        if over or set(self.shares) != set(BANDS) or set(self.caps) != set(BANDS):
            raise ValueError(f"income shares must name every band, each at most its cap: {over}")
        return self


class Policy(Frozen):
    version: str
    unit: UnitThresholds
    pillar_weights: dict[str, float] = {}
    satisfaction: SatisfactionPolicy = SatisfactionPolicy()
    person: PersonPolicy = PersonPolicy()
    bands: BandThresholds = BandThresholds()
    excellent_quota: float = Field(default=0.2, ge=0, le=1)
    quota_base: QuotaBase = "tot_or_better"
    income: IncomePolicy = IncomePolicy()
    alert_on_provisional: bool = True

    def unit_threshold(self, metric: str) -> Fraction:
        """The exact threshold under which ``metric`` is low: "satisfaction" (the share of
        satisfied citizens, %), "points" (a person's score on 100), "total" or a pillar code
        (%). The number is taken as written in the policy file (:func:`exact`)."""
        if metric == "satisfaction":
            return exact(self.satisfaction.monthly_below)
        if metric == "points":
            return exact(self.person.points_below)
        return exact(self.unit.total_below if metric == "total" else self.unit.pillar_below)

    def band_of(self, points: Number) -> Band:
        """The Decree 335 band of a score on 100 points, compared exactly (89.996 is "tốt"):
        the best band whose lower bound the score reaches."""
        for band, bound in (
            ("xuat_sac", self.bands.xuat_sac),
            ("tot", self.bands.tot),
            ("hoan_thanh", self.bands.hoan_thanh),
        ):
            if at_least(points, bound):
                return band  # type: ignore[return-value]
        return "khong_hoan_thanh"
