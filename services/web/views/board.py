"""View models of the unit board: the periods offered, the units ranked with their pillars and
satisfaction, the change from the period before in words (never by colour alone), the marks
(provisional, final, late) and the data the charts draw. Figures are the scoring API's exact
values (``contracts.figures.exact_figures``), rounded once here for display by
``contracts.figures``, the rule of the alerts too; nothing is computed again here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from contracts.common import FIVE_S
from contracts.figures import Figure, exact_of, rounded, written
from contracts.labels import PILLAR_LABELS, period_label
from contracts.periods import Month
from services.web.views.leaders import classification_periods


def board_periods(now: datetime) -> list[str]:
    """The classification's periods (this month and the last, this quarter and the last, this
    year), then the last 3 and the last 12 months: the quarter just ended, the one whose
    figures are final, is on the board as on the classification."""
    return [*classification_periods(now), "last3m", "last12m"]


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


def period_choice(period: str, periods: list[str], lang: str) -> dict[str, Any]:
    """What a page with a period form shows of it (``period_form``, ``templates/forms.html``):
    the ``period`` chosen, the ``periods`` offered as (key, words) and the chosen one in words
    (``period_words``, for its heading)."""
    return {
        "period": period,
        "periods": [(key, period_words(key, lang)) for key in periods],
        "period_words": period_words(period, lang),
    }


def last_months(now: datetime, count: int) -> list[str]:
    """The ``count`` months ending with this one, oldest first."""
    month = Month.of(now)
    return [month.shift(-back).key for back in range(count - 1, -1, -1)]


def trend_months(now: datetime) -> list[str]:
    """The 12 months ending with this one, oldest first."""
    return last_months(now, 12)


#: The months of each rolling window.
ROLLING_MONTHS = {"last3m": 3, "last12m": 12}


def counted_span(period: str, now: datetime) -> dict[str, str]:
    """How assessment's counts reads are asked for a board period, in one read each: the
    calendar ``period`` itself, or a rolling window's first and last months (``from``, ``to``)."""
    if period in ROLLING_MONTHS:
        months = last_months(now, ROLLING_MONTHS[period])
        return {"from": months[0], "to": months[-1]}
    return {"period": period}


#: The programme's counts per unit on the board: initiatives (proposed, adopted) and citizens'
#: call-backs (still open, done), from assessment's ``/counts`` reads.
PROGRAMME = ("proposed", "adopted", "calls_open", "calls_done")


def programme_counts(
    initiatives: Iterable[dict[str, Any]], call_backs: Iterable[dict[str, Any]]
) -> dict[str, dict[str, int]]:
    """Per unit, the counts of :data:`PROGRAMME` from the counts reads' ``units``
    (``initiatives`` and ``call_backs``), summed over the rows given for a unit."""
    counts: dict[str, dict[str, int]] = {}

    def add(unit_id: str, **more: int) -> None:
        got = counts.setdefault(unit_id, dict.fromkeys(PROGRAMME, 0))
        for key, value in more.items():
            got[key] += value

    for row in initiatives:
        add(row["unit_id"], proposed=row["proposed"], adopted=row["adopted"])
    for row in call_backs:
        add(row["unit_id"], calls_open=row["opened"] - row["done"], calls_done=row["done"])
    return counts


def pillar_names(lang: str) -> dict[str, str]:
    return {code: PILLAR_LABELS[code].pick(lang) for code in FIVE_S}


#: The unit's "+" beside its pillars: scoring's ``plus`` (its people's approved "+" points over
#: their maxima), drawn and tabled as one more bar.
PLUS = "P"


def bar_names(lang: str) -> dict[str, str]:
    """S1–S5 and P, each with its name: the bars of a unit's figures."""
    return {**pillar_names(lang), PLUS: PILLAR_LABELS[PLUS].pick(lang)}


def chart_value(value: Figure | None) -> float | None:
    """A figure as a chart draws and labels it: rounded once as the tables write it (46,2 in
    the table is 46.2 on the bar), a float for the JSON the chart reads."""
    return None if value is None else float(rounded(value))


def change_words(change: Figure | None, lang: str) -> str:
    """The change from the period before, with an arrow and a sign: readable without colour;
    a change that rounds to nothing reads "= 0", not "▲ +0,0"."""
    if change is None:
        return ""
    shown = rounded(change)
    if shown > 0:
        return f"▲ +{written(shown, lang)}"
    if shown < 0:
        return f"▼ −{written(-shown, lang)}"
    return "= 0"


def board_rows(
    ranked: Iterable[dict[str, Any]],
    figures: dict[str, dict[str, Any]],
    names: dict[str, str],
    programme: dict[str, dict[str, int]] | None = None,
) -> list[dict[str, Any]]:
    """The units the caller sees (those with figures), in the ranking's order, each with its
    pillars and its "+" by code (``{percent, change}``; no figure where scoring gives none)
    and its programme counts (:func:`programme_counts`; zeros for a unit with none)."""
    programme = programme or {}
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
                "programme": programme.get(row["unit_id"], dict.fromkeys(PROGRAMME, 0)),
            }
        )
    return rows


def overdue_actions(actions: Iterable[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """Open corrective actions past their due date."""
    return [a for a in actions if date.fromisoformat(a["due_on"]) < today]


def amount(value: Figure, lang: str) -> str:
    """Points or a weight as written: a whole number as it is ("13"), else to the tenth
    ("4,5"), by the one rule (``contracts.figures``)."""
    exact = exact_of(value)
    return str(exact.numerator) if exact.denominator == 1 else written(exact, lang)


#: Scoring keeps points in thousandths (weights scaled to whole thousandths).
POINTS_SCALE = 1000


def basis(
    explained: dict[str, Any], pillars: Iterable[dict[str, Any]], lang: str
) -> dict[str, Any]:
    """What a unit's pillar figures are made of, as scoring keeps them and explains them
    (``explained``, its ``explain`` block; ``pillars``, its answer's pillars): per audit (the
    revision applied) and pillar, Σ score × the item's weight of Σ 4 × weight (N/A left out);
    and the audits pooled, each pillar's sums and the pillar's % on the board, their ratio:
    ``{"audits": [{"S1": "13/24", ...}], "pooled": {"S1": "26/48 = 54,2 %"}}``. A pillar
    without a scored item has no entry. Only written here: every sum is scoring's."""

    def of(sums: dict[str, int]) -> str:
        points, most = (Fraction(sums[k], POINTS_SCALE) for k in ("points", "max_points"))
        return f"{amount(points, lang)}/{amount(most, lang)}"

    percent = {p["pillar"]: p.get("percent") for p in pillars}
    rows = [
        {p: of(sums) for p, sums in audit["sums"].items() if sums["scored_items"]}
        for audit in explained["audits"]
    ]
    pooled = {
        p: f"{of(sums)} = {written(percent.get(p), lang)} %"
        for p, sums in explained["pillar_sums"].items()
        if sums["scored_items"]
    }
    return {"audits": rows, "pooled": pooled}


def weights_line(pillar_weights: dict[str, Any], lang: str) -> str:
    """The pillars' weights in the total as the basis states them: "S1 × 1, S2 × 1, ..."."""
    return ", ".join(f"{code} × {amount(w, lang)}" for code, w in pillar_weights.items())
