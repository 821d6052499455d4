"""The scoring service's own metrics: the current month's figures per unit, for the dashboards.

Labels carry the ward, the unit and the pillar only: never a person.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from fractions import Fraction

from prometheus_client import Gauge

from contracts.common import FIVE_S
from services.scoring.domain.exact import display

UNIT_TOTAL = Gauge(
    "ward5s_unit_total_percent",
    "A unit's 5S total % for the current month (provisional until the month closes).",
    ["ward", "unit"],
)
UNIT_PILLAR = Gauge(
    "ward5s_unit_pillar_percent",
    "A unit's % on one 5S pillar for the current month.",
    ["ward", "unit", "pillar"],
)
UNIT_SATISFACTION = Gauge(
    "ward5s_unit_satisfaction_percent",
    "The share of citizens satisfied with a unit for the current month (Rất hài lòng + Hài "
    "lòng over all ratings, %).",
    ["ward", "unit"],
)


def show_unit(ward: str, unit: str, values: Mapping[str, Fraction | None]) -> None:
    """Publish a unit's current-month figures; a figure with nothing behind it is not shown."""
    for gauge, labels, value in (
        (UNIT_TOTAL, (ward, unit), values.get("total")),
        (UNIT_SATISFACTION, (ward, unit), values.get("satisfaction")),
        *((UNIT_PILLAR, (ward, unit, p), values.get(p)) for p in FIVE_S),
    ):
        shown = display(value)  # rounded for reading only
        if shown is None:
            with contextlib.suppress(KeyError):
                gauge.remove(*labels)
        else:
            gauge.labels(*labels).set(shown)
