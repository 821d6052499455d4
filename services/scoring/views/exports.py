"""Scoring's exports for the ward office (issue 18): the classification of a month, quarter or
year for HR and pay, the units' 5S figures and the citizens' satisfaction per unit, as sheets
the one export mechanism writes as CSV or XLSX (``services/runtime/exports.py``).

People and units by name (the newest org chart's, ``org.names``), bands and states in the
decree's words (``contracts.labels``), people in Vietnamese order (given name, family name,
middle name: ``runtime.collation``). Figures are the exact ones of the API, rounded for display
only (``domain.exact.display``), the same numbers the API answers.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.common import FIVE_S, Text
from contracts.events import Classification
from contracts.labels import (
    BAND_LABELS,
    EMPLOYMENT_LABELS,
    LEVEL_LABELS,
    MISSING_LABELS,
    PILLAR_LABELS,
    STATUS_LABELS,
    period_label,
)
from services.runtime.collation import by_name, text_key
from services.runtime.exports import Column, Sheet, columns
from services.scoring.adapters import closes, org
from services.scoring.domain import ranks
from services.scoring.domain.exact import display
from services.scoring.domain.policy import Policy
from services.scoring.domain.roster import Names
from services.scoring.views.people import classification
from services.scoring.views.units import UnitFigures, Window, unit_figures

#: Each sheet's columns in order, by their keys in the runtime's ``headings.yaml``; a pillar's and
#: a rating level's made from their labels.
CLASSIFICATION_COLUMNS = columns(
    "name", "unit", "employment", "group", "period", "points", "band", "note", "income_share",
    "income_coefficient", "provisional",
)  # fmt: skip
PILLAR_COLUMNS = tuple(
    Column(pillar, Text(vi=f"{pillar} {name.vi} (%)", en=f"{pillar} {name.en} (%)"))
    for pillar, name in PILLAR_LABELS.items()
    if pillar in FIVE_S
)
UNIT_COLUMNS = columns(
    "rank", "unit", "period", *PILLAR_COLUMNS, "total_percent", "satisfaction", "ratings",
    "provisional",
)  # fmt: skip
LEVEL_COLUMNS = tuple(Column(f"level_{level}", label) for level, label in LEVEL_LABELS.items())
SATISFACTION_COLUMNS = columns(
    "unit", "period", "ratings", *LEVEL_COLUMNS, "satisfaction", "index", "provisional"
)
TITLES = {
    "classification": Text(vi="Xếp loại", en="Classification"),
    "units": Text(vi="Kết quả 5S các đơn vị", en="Units' 5S results"),
    "satisfaction": Text(vi="Sự hài lòng của người dân", en="Citizen satisfaction"),
}


def _band(person: Classification) -> Text:
    if person.status == "classified" and person.band is not None:
        return BAND_LABELS[person.band]
    return STATUS_LABELS[person.status]


def _note(person: Classification) -> Text | None:
    """Why the band is what it is, where the table would not say it."""
    notes: list[Text] = []
    if person.missing:
        vi = ", ".join(MISSING_LABELS[part].vi for part in person.missing)
        en = ", ".join(MISSING_LABELS[part].en for part in person.missing)
        notes.append(Text(vi=f"Thiếu {vi}", en=f"Missing {en}"))
    if person.disqualified:
        notes.append(Text(vi="Bị xử lý kỷ luật trong kỳ", en="Disciplined in the period"))
    if person.quota_demoted:
        notes.append(Text(vi="Vượt tỷ lệ 20% xuất sắc", en='Over the 20% cap on "excellent"'))
    if person.decided_by_chairman:
        notes.append(Text(vi="Theo quyết định của Chủ tịch", en="By the chairman's decision"))
    if not notes:
        return None
    return Text(vi="; ".join(n.vi for n in notes), en="; ".join(n.en for n in notes))


def _percent(share: float | None) -> float | None:
    """A share (0.8) as the percent shown (80.0)."""
    return None if share is None else display(Fraction(str(share)) * 100)


async def classification_sheet(
    session: AsyncSession,
    ward: str,
    span: Window,
    policy: Policy,
    visible: Callable[[str | None], bool],
) -> Sheet:
    """Everyone of the classification the caller may see (``visible(unit_id)``), in Vietnamese
    order of their names."""
    result = await classification(session, ward, span.key, span.months, policy)
    names = await org.names(session, ward)
    provisional = not await closes.all_closed(session, ward, span.months)
    period = period_label(span.key)
    people = by_name(
        (p for p in result.people if visible(p.unit_id)),
        lambda p: names.person(p.person_id),
    )
    rows = [
        {
            "name": names.person(p.person_id),
            "unit": names.unit(p.unit_id),
            "employment": EMPLOYMENT_LABELS[p.employment_type],
            "group": names.group(p.duty_group),
            "period": period,
            "points": p.points,
            "band": _band(p),
            "note": _note(p),
            "income_share": _percent(p.income_share),
            "income_coefficient": p.income_coefficient,
            "provisional": provisional,
        }
        for p in people
    ]
    return Sheet(TITLES["classification"], CLASSIFICATION_COLUMNS, rows)


async def _units(
    session: AsyncSession, ward: str, span: Window
) -> tuple[Names, dict[str, UnitFigures], bool]:
    """The ward's names, every unit's figures (the chart's units, with none where nothing was
    recorded) and whether the period is still provisional."""
    names = await org.names(session, ward)
    figures = await unit_figures(session, ward, None, span.months)
    for unit in names.units:
        figures.setdefault(unit, UnitFigures())
    provisional = not await closes.all_closed(session, ward, span.months)
    return names, figures, provisional


async def units_sheet(session: AsyncSession, ward: str, span: Window, policy: Policy) -> Sheet:
    """Every unit's pillars, 5S total and share of satisfied citizens, ranked by the exact
    total as ``GET /v1/rankings`` ranks them (no total: last, by name)."""
    names, figures, provisional = await _units(session, ward, span)
    period = period_label(span.key)
    valued = []
    for unit, of_unit in figures.items():
        values = of_unit.values(policy)
        valued.append((values["total"], text_key_of(names, unit), (unit, values, of_unit.ratings)))
    rows = [
        {
            "rank": rank,
            "unit": names.unit(unit),
            "period": period,
            **{pillar: display(values[pillar]) for pillar in FIVE_S},
            "total_percent": display(values["total"]),
            "satisfaction": display(values["satisfaction"]),
            "ratings": ratings,
            "provisional": provisional,
        }
        for rank, (unit, values, ratings) in ranks.ranked(valued)
    ]
    return Sheet(TITLES["units"], UNIT_COLUMNS, rows)


async def satisfaction_sheet(
    session: AsyncSession, ward: str, span: Window, policy: Policy
) -> Sheet:
    """Every unit's ratings per level, share of satisfied citizens and satisfaction index, by
    unit name."""
    names, figures, provisional = await _units(session, ward, span)
    period = period_label(span.key)
    rows = []
    for unit in sorted(figures, key=lambda u: text_key_of(names, u)):
        counted = figures[unit]
        values = counted.values(policy)
        rows.append(
            {
                "unit": names.unit(unit),
                "period": period,
                "ratings": counted.ratings,
                **{f"level_{lv}": counted.feedback.get(lv, 0) for lv in LEVEL_LABELS},
                "satisfaction": display(values["satisfaction"]),
                "index": display(values["satisfaction_index"]),
                "provisional": provisional,
            }
        )
    return Sheet(TITLES["satisfaction"], SATISFACTION_COLUMNS, rows)


def text_key_of(names: Names, unit: str) -> bytes:
    """A unit's place in Vietnamese order of its Vietnamese name."""
    return text_key((names.unit(unit) or Text(vi=unit, en=unit)).vi)
