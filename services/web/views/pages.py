"""View models of the pages: what a template shows, from the services' JSON, in the page's
language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts.labels import LEVEL_LABELS
from contracts.periods import Month

#: A score of an item: 0–4 by the written anchors; "na" for not applicable (sent as null).
SCORES = ("0", "1", "2", "3", "4")


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    anchors: list[tuple[str, str]]


@dataclass(frozen=True)
class Pillar:
    code: str
    name: str
    items: list[Item] = field(default_factory=list)


def pillars(catalog: dict[str, Any], lang: str, plus: bool) -> list[Pillar]:
    """The catalogue's pillars in order, the "+" pillar (P) alone when ``plus``, else the five
    S pillars; each item with its text and its anchors 0–4 in ``lang``."""
    chosen = []
    for pillar in catalog["pillars"]:
        if (pillar["code"] == "P") != plus:
            continue
        items = [
            Item(
                item["code"],
                item["text"][lang],
                [(score, item["anchors"][score][lang]) for score in SCORES],
            )
            for item in pillar["items"]
        ]
        chosen.append(Pillar(pillar["code"], pillar["name"][lang], items))
    return chosen


def item_texts(chosen: Iterable[Pillar]) -> dict[str, str]:
    """Each item's text by its code, in the language ``chosen`` (from pillars()) was read in:
    what a table of scores by code writes beside the code."""
    return {item.code: item.text for pillar in chosen for item in pillar.items}


def plus_items(form: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The scores a form gives (fields ``score-<code>``: 0–4, or ``na`` for not applicable,
    sent as null), as a self-assessment's or a review's items; anything else is left out."""
    return [
        {"code": name.removeprefix("score-"), "score": None if value == "na" else int(value)}
        for name, value in form.items()
        if name.startswith("score-") and isinstance(value, str) and value in {*SCORES, "na"}
    ]


def scores_of(submitted: Mapping[str, Any] | None) -> dict[str, Any]:
    """A self-assessment's own scores by item code (None: not applicable), to fill its form
    again; none for none."""
    return {row["code"]: row["score"] for row in (submitted or {}).get("items", [])}


def unit_name(unit: Mapping[str, Any], lang: str) -> str:
    """A unit's name in the page's language (assessment's ``/v1/units`` gives each unit its
    ``name_vi`` and ``name_en``)."""
    return str(unit["name_en" if lang == "en" else "name_vi"])


def unit_names(units: Iterable[Mapping[str, Any]], lang: str) -> dict[str, str]:
    """Each unit's name in the page's language, by unit id."""
    return {u["unit_id"]: unit_name(u, lang) for u in units}


def units_to_audit(units: list[dict[str, Any]], own_unit: str | None, lang: str) -> list[dict]:
    """The units an auditor may audit: every unit of the ward but their own."""
    return [
        {"unit_id": u["unit_id"], "name": unit_name(u, lang)}
        for u in units
        if u["unit_id"] != own_unit
    ]


def recent_months(now: datetime) -> list[str]:
    """The ward's current month and the one before (a month's submissions stay open until its
    close day in the next month; the service refuses a closed one with its reason)."""
    current = Month.of(now)
    return [current.key, current.shift(-1).key]


#: Each level's face, drawn (no emoji font needed on a kiosk): the mouth's ends and the height
#: of its curve's control point on a 48-unit face; a smile bends down, a frown up.
MOUTHS = {5: (29, 42), 4: (30, 36), 3: (32, 32), 2: (35, 29), 1: (36, 24)}


#: The levels after which the rating screen offers, optionally, to leave a contact to be called
#: back: "Không hài lòng" and "Rất không hài lòng", the levels assessment's policy names
#: (``Policy.follow_up_levels``). Assessment decides: a contact left after another level opens
#: no call-back.
FOLLOW_UP_LEVELS = frozenset({1, 2})


def levels(lang: str) -> list[dict[str, Any]]:
    """A citizen's five levels, best first, with their words, a face's mouth and whether the
    screen then offers to leave a contact (``follow_up``)."""
    return [
        {
            "level": level,
            "follow_up": level in FOLLOW_UP_LEVELS,
            "label": label.vi if lang == "vi" else label.en,
            "mouth": f"M14 {MOUTHS[level][0]} Q24 {MOUTHS[level][1]} 34 {MOUTHS[level][0]}",
        }
        for level, label in LEVEL_LABELS.items()
    ]
