"""View models of the unit board: the periods offered, the units ranked with their pillars and
satisfaction, the change from the period before in words (never by colour alone), the marks
(provisional, final, late) and the data the charts draw. Figures are the scoring API's, rounded
there for display; nothing is computed again here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from contracts.common import FIVE_S
from contracts.labels import PILLAR_LABELS, period_label
from contracts.periods import Month


def board_periods(now: datetime) -> list[str]:
    """This month, the last, this quarter, this year, the last 3 and the last 12 months."""
    month = Month.of(now)
    quarter = (month.month - 1) // 3 + 1
    return [
        month.key,
        month.shift(-1).key,
        f"{month.year}-Q{quarter}",
        str(month.year),
        "last3m",
        "last12m",
    ]


#: The rolling windows, worded (contracts.labels words calendar periods only).
ROLLING = {
    "last3m": ("3 tháng gần nhất", "Last 3 months"),
    "last12m": ("12 tháng gần nhất", "Last 12 months"),
}


def period_words(key: str, lang: str) -> str:
    if key in ROLLING:
        vi, en = ROLLING[key]
        return en if lang == "en" else vi
    return period_label(key).pick(lang)


def trend_months(now: datetime) -> list[str]:
    """The 12 months ending with this one, oldest first."""
    month = Month.of(now)
    return [month.shift(-back).key for back in range(11, -1, -1)]


def pillar_names(lang: str) -> dict[str, str]:
    return {code: PILLAR_LABELS[code].pick(lang) for code in FIVE_S}


#: The unit's "+" beside its pillars: scoring's ``plus`` (its people's approved "+" points over
#: their maxima), drawn and tabled as one more bar.
PLUS = "P"


def bar_names(lang: str) -> dict[str, str]:
    """S1–S5 and P, each with its name: the bars of a unit's figures."""
    return {**pillar_names(lang), PLUS: PILLAR_LABELS[PLUS].pick(lang)}


def decimal(value: float | None, lang: str) -> str:
    """85.5 -> "85,5" (Vietnamese) or "85.5"; "—" for no figure."""
    if value is None:
        return "—"
    shown = f"{value:.1f}"
    return shown.replace(".", ",") if lang == "vi" else shown


def change_words(change: float | None, lang: str) -> str:
    """The change from the period before, with an arrow and a sign: readable without colour."""
    if change is None:
        return ""
    if change > 0:
        return f"▲ +{decimal(change, lang)}"
    if change < 0:
        return f"▼ −{decimal(-change, lang)}"
    return "= 0"


def board_rows(
    ranked: Iterable[dict[str, Any]], figures: dict[str, dict[str, Any]], names: dict[str, str]
) -> list[dict[str, Any]]:
    """The units the caller sees (those with figures), in the ranking's order, each with its
    pillars and its "+" by code (``{percent, change}``; no figure where scoring gives none)."""
    rows = []
    for row in ranked:
        unit = figures.get(row["unit_id"])
        if unit is None:
            continue
        rows.append(
            {
                **unit,
                "rank": row["rank"],
                "name": names.get(row["unit_id"], row["unit_id"]),
                "by_pillar": {
                    **{p["pillar"]: p for p in unit["pillars"]},
                    PLUS: unit.get("plus") or {"percent": None, "change": None},
                },
            }
        )
    return rows


def overdue_actions(actions: Iterable[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """Open corrective actions past their due date."""
    return [a for a in actions if date.fromisoformat(a["due_on"]) < today]
