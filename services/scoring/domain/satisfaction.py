"""Citizen satisfaction kept as counts per level (pure, no I/O).

A unit's satisfaction % for a period is the mean of the level values (100/75/50/25/0 by default,
from the policy) over its ratings, computed from the counts so that any order of arrival and any
period made of months gives the same figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from contracts.common import LOCAL_TZ
from services.scoring.domain.policy import Policy

VERY_DISSATISFIED = 1  # "Rất không hài lòng"
DISSATISFACTION_SPIKE = "dissatisfaction_spike"


def satisfaction_percent(counts: Mapping[int, int], policy: Policy) -> float | None:
    """The mean value of the ratings counted per level; None without any rating."""
    ratings = sum(counts.values())
    if ratings <= 0:
        return None
    values = policy.satisfaction.level_values
    return sum(values[level] * n for level, n in counts.items()) / ratings


def local_day(moment: datetime) -> date:
    """The ward's calendar day of a moment."""
    return moment.astimezone(LOCAL_TZ).date()


def spike_crossed(before: int, after: int, policy: Policy) -> bool:
    """Whether a day's count of "Rất không hài lòng" just reached the alert threshold."""
    limit = policy.satisfaction.very_dissatisfied_per_day
    return before < limit <= after
