"""The scoring service's own metrics: the current month's figures per unit, for the dashboards.

Labels carry the ward, the unit and the pillar only: never a person.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from prometheus_client import Gauge

from contracts.common import FIVE_S

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
    "Citizen satisfaction with a unit for the current month (mean of 100/75/50/25/0).",
    ["ward", "unit"],
)


def show_unit(ward: str, unit: str, values: Mapping[str, float | None]) -> None:
    """Publish a unit's current-month figures; a figure with nothing behind it is not shown."""
    for gauge, labels, value in (
        (UNIT_TOTAL, (ward, unit), values.get("total")),
        (UNIT_SATISFACTION, (ward, unit), values.get("satisfaction")),
        *((UNIT_PILLAR, (ward, unit, p), values.get(p)) for p in FIVE_S),
    ):
        if value is None:
            with contextlib.suppress(KeyError):
                gauge.remove(*labels)
        else:
            gauge.labels(*labels).set(round(value, 2))
