"""Citizen satisfaction kept as counts per level (pure, no I/O).

Two figures of a unit's period, both exact fractions computed from the counts, so that any order
of arrival and any period made of months gives the same figure:

- the share of satisfied citizens (tỷ lệ hài lòng), the measure officials report and the one
  alerted on: 100 · (ratings at a level of the policy's ``satisfied_levels``, by default "Rất
  hài lòng" and "Hài lòng") / all ratings, as the national SIPAS survey reports it (82.66 % in
  2023; method of the Ministry of Home Affairs, Decision 1001/QĐ-BNV of 11/12/2023);
- the satisfaction index (chỉ số hài lòng): the mean of the level values (100/75/50/25/0).

Every citizen choosing "Hài lòng" is a share of 100 % and an index of 75.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from fractions import Fraction

from contracts.common import LOCAL_TZ
from services.scoring.domain.exact import ratio_percent
from services.scoring.domain.policy import Policy

VERY_DISSATISFIED = 1  # "Rất không hài lòng"
DISSATISFACTION_SPIKE = "dissatisfaction_spike"


def satisfied_count(counts: Mapping[int, int], policy: Policy) -> int:
    """How many of the ratings (counted per level 5 … 1) are at a satisfied level."""
    return sum(n for level, n in counts.items() if level in policy.satisfaction.satisfied_levels)


def satisfaction_share(counts: Mapping[int, int], policy: Policy) -> Fraction | None:
    """The % of satisfied citizens (tỷ lệ hài lòng), exactly: 100 · satisfied / all ratings;
    None without any rating. Four "Rất hài lòng" and one "Không hài lòng" make 80."""
    return ratio_percent(satisfied_count(counts, policy), sum(counts.values()))


def satisfaction_index(counts: Mapping[int, int], policy: Policy) -> Fraction | None:
    """The satisfaction index (chỉ số hài lòng), exactly: the mean of the level values (0-100)
    over the ratings; None without any rating."""
    ratings = sum(counts.values())
    if ratings <= 0:
        return None
    values = policy.satisfaction.level_values
    return Fraction(sum(values[level] * n for level, n in counts.items()), ratings)


def local_day(moment: datetime) -> date:
    """The ward's calendar day of a moment."""
    return moment.astimezone(LOCAL_TZ).date()


def spike_crossed(before: int, after: int, policy: Policy) -> bool:
    """Whether a day's count of "Rất không hài lòng" just reached the alert threshold."""
    limit = policy.satisfaction.very_dissatisfied_per_day
    return before < limit <= after
