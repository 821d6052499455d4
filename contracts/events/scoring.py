"""The events scoring publishes: scores, low-score crossings and the Decree 335 classification."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from contracts.common import Contract, EntityId
from contracts.envelope import Event
from contracts.events.common import Pillar
from contracts.events.org import EmploymentType
from contracts.periods import MonthKey

SubjectKind = Literal["unit", "person"]


class ScoringEvent(Event):
    owner = "scoring"


class PillarScore(Contract):
    pillar: Pillar
    percent: float | None  # None when every item was N/A or nothing was scored
    scored_items: int
    na_items: int


class ScoreData(Contract):
    subject_kind: SubjectKind
    subject_id: EntityId
    unit_id: EntityId
    period: str  # YYYY-MM, YYYY-Qn or YYYY
    pillars: tuple[PillarScore, ...] = ()
    total_percent: float | None = None
    #: For people: the Decree 335 score on 100 points.
    points: float | None = None
    late: bool = False
    policy_version: str
    #: For units: the share of satisfied citizens, % (tỷ lệ hài lòng: "Rất hài lòng" and "Hài
    #: lòng" over all ratings, as SIPAS reports it; the figure alerted on), the satisfaction
    #: index (chỉ số hài lòng: the mean of 100/75/50/25/0) and how many ratings they pool.
    satisfaction_percent: float | None = None
    satisfaction_index: float | None = None
    ratings: int = 0


class ScoreUpdated(ScoringEvent):
    type: Literal["scoring.score.updated"] = "scoring.score.updated"
    data: ScoreData


class ScoreFinalized(ScoringEvent):
    type: Literal["scoring.score.finalized"] = "scoring.score.finalized"
    data: ScoreData


class LowScoreData(Contract):
    subject_kind: SubjectKind
    subject_id: EntityId
    unit_id: EntityId
    period: str
    #: What crossed: "total", a pillar code ("S1".."S5", "P"), "satisfaction", "points", or
    #: "dissatisfaction_spike" (``value`` "Rất không hài lòng" ratings for the unit on ``day``,
    #: reaching ``threshold``; announced once per unit and day, never recovered).
    #: "satisfaction" is the share of satisfied citizens (%).
    metric: str
    #: The figure at full precision (the comparison was made exactly; round it for display).
    value: float
    threshold: float
    final: bool
    policy_version: str
    day: date | None = None


class LowScoreDetected(ScoringEvent):
    type: Literal["scoring.low_score.detected"] = "scoring.low_score.detected"
    data: LowScoreData


class LowScoreRecovered(ScoringEvent):
    type: Literal["scoring.low_score.recovered"] = "scoring.low_score.recovered"
    data: LowScoreData


Band = Literal["xuat_sac", "tot", "hoan_thanh", "khong_hoan_thanh"]

#: Why a person-period is not classified: a month of it without the task result, or without an
#: approved "+" review.
MissingPart = Literal["task_points", "plus_review"]

#: ``classified``: a band; ``not_classified``: "chưa đủ dữ liệu để xếp loại" (a part is missing,
#: see ``missing``); ``pending_decision``: "chờ Chủ tịch quyết định" (tied at the edge of the
#: 20 % cap on "xuất sắc", until the chairman's decision).
ClassificationStatus = Literal["classified", "not_classified", "pending_decision"]
QuotaBase = Literal["tot_only", "tot_or_better"]


class MonthGap(Contract):
    """A month of the period that keeps the person from being classified, and what it lacks."""

    month: MonthKey
    missing: tuple[MissingPart, ...]


class Classification(Contract):
    person_id: EntityId
    #: The person's unit (None for someone of the org chart with none, e.g. the chairman).
    unit_id: EntityId | None = None
    #: The Decree 335 score on 100 points, rounded for display (the band is decided on the exact
    #: score); None when a part is missing.
    points: float | None = None
    status: ClassificationStatus = "classified"
    #: None unless ``status`` is ``classified``.
    band: Band | None = None
    #: What is missing over the period, and which month lacks what (``not_classified``).
    missing: tuple[MissingPart, ...] = ()
    gaps: tuple[MonthGap, ...] = ()
    #: Months whose unit was not audited: the general criteria came from the "+" alone.
    unit_not_audited: tuple[MonthKey, ...] = ()
    #: A disciplinary measure in the period: "không hoàn thành" whatever the points or gaps.
    disqualified: bool = False
    #: The group of officials with similar duties, and the employment type, from the org chart.
    duty_group: str | None = None
    employment_type: EmploymentType = "cong_chuc"
    #: Counted in the base of the 20 % cap on "xuất sắc": a công chức rated "tốt" or "xuất sắc"
    #: by their score (so not one disqualified); the group's ``QuotaGroup.base`` counts exactly
    #: these.
    counted_in_quota: bool = False
    quota_demoted: bool = False  # lost "xuất sắc" to the 20% cap
    tie_at_cap: bool = False  # tied with others at the edge of the cap
    #: The band at the edge of the cap was the chairman's decision.
    decided_by_chairman: bool = False
    provisional: bool = False  # not classified yet: a part has not arrived
    #: Share of the maximum additional income paid, and the coefficient; None without a band.
    income_share: float | None = None
    income_coefficient: float | None = None


class QuotaGroup(Contract):
    """The 20 % cap in one group of officials with similar duties: the base it is a share of,
    the most who may be "xuất sắc", who are, and who wait for the chairman."""

    duty_group: str
    base: int
    quota: int
    excellent: int
    pending: int = 0


class ClassificationComputedData(Contract):
    period: str
    policy_version: str
    people: tuple[Classification, ...]
    #: How the cap's base was read (policy): 20 % of those at "tốt" after the cap, or of those
    #: rated "tốt" or "xuất sắc".
    quota_base: QuotaBase = "tot_or_better"
    quota_share: float = 0.2
    quotas: tuple[QuotaGroup, ...] = ()
    #: The most a "tốt" may be paid, as a share of the maximum (Decision 20/2024/QĐ-UBND: "tối
    #: đa 80%"); what is paid is each person's ``income_share``.
    tot_income_cap: float = 0.8


class ClassificationComputed(ScoringEvent):
    type: Literal["scoring.classification.computed"] = "scoring.classification.computed"
    data: ClassificationComputedData


class ClassificationDecidedData(Contract):
    """The chairman's call on people tied at the edge of the cap, in one duty group: those named
    keep "xuất sắc", the others tied with them are "tốt"."""

    period: str
    duty_group: str
    excellent: tuple[EntityId, ...]
    note: str | None = Field(default=None, max_length=1000)


class ClassificationDecided(ScoringEvent):
    type: Literal["scoring.classification.decided"] = "scoring.classification.decided"
    data: ClassificationDecidedData
