"""The one table of labels every service and front-end shows (the web pages read it from
scoring's ``GET /v1/labels``; e-mails, exports and refusals import it): the bands of a person's
classification in the decree's words, the levels of a citizen's rating, the names of the 5S+
pillars, the states of audits, corrective actions, initiatives and classifications, and the way
an official writes a period ("tháng 01/2026", "quý I/2026", "năm 2026"), in Vietnamese (first) and
English. The terms are those of docs/GLOSSARY.md; the texts are in ``labels.yaml``, each table
checked at import against the values its contract allows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar, get_args

from contracts.catalog import default_catalog
from contracts.common import PILLARS, Text
from contracts.events import (
    LEADERS_GROUP,
    SPECIALISTS_GROUP,
    Band,
    ClassificationStatus,
    EmploymentType,
    InitiativeStatus,
    MissingPart,
)
from contracts.periods import Period
from contracts.yamlfile import read_yaml

K = TypeVar("K")

#: The tables of labels.yaml by name, each ``{key: [Vietnamese, English]}``.
_TABLES: dict[str, dict[Any, list[str]]] = read_yaml(Path(__file__).with_name("labels.yaml"))


def _texts(name: str, keys: Iterable[K]) -> Mapping[K, Text]:
    """The read-only table ``name`` of labels.yaml, in its order. Errors: ``ValueError`` (at
    import) when its keys are not exactly ``keys``, the values its contract allows: a band or a
    state without its label is found before any page shows it."""
    table = _TABLES[name]
    if set(table) != set(keys):
        raise ValueError(f"labels.yaml: {name} labels {sorted(map(str, table))}, not {keys}")
    return MappingProxyType({key: Text(vi=vi, en=en) for key, (vi, en) in table.items()})


#: A person's band for a period (Decree 335/2025/NĐ-CP, the four ratings of officials).
BAND_LABELS: Mapping[Band, Text] = _texts("bands", get_args(Band))
#: A citizen's rating of a unit, 5 (best) to 1 (the levels of the national SIPAS survey).
LEVEL_LABELS: Mapping[int, Text] = _texts("levels", range(1, 6))
#: The pillars' names, as the default catalogue gives them (S1 "Sàng lọc" .. P, the "+").
PILLAR_LABELS: Mapping[str, Text] = MappingProxyType(
    {code: default_catalog().pillar(code).name for code in PILLARS}
)
#: Where a person stands for a period when no band is given yet.
STATUS_LABELS: Mapping[ClassificationStatus, Text] = _texts(
    "classification_statuses", get_args(ClassificationStatus)
)
#: What keeps a person from being classified.
MISSING_LABELS: Mapping[MissingPart, Text] = _texts("missing_parts", get_args(MissingPart))
#: công chức are counted in the 20 % cap on "xuất sắc"; người lao động are not.
EMPLOYMENT_LABELS: Mapping[EmploymentType, Text] = _texts(
    "employment_types", get_args(EmploymentType)
)
#: The duty groups the org chart gives by role when it names none; a group the ward defines
#: has its name in the org chart (``OrgChartPublishedData.duty_groups``).
GROUP_LABELS: Mapping[str, Text] = _texts("duty_groups", (LEADERS_GROUP, SPECIALISTS_GROUP))
#: An audit's state.
AUDIT_STATUS_LABELS: Mapping[str, Text] = _texts("audit_statuses", ("live", "withdrawn"))
#: A corrective action's (biện pháp khắc phục) state.
ACTION_STATUS_LABELS: Mapping[str, Text] = _texts("action_statuses", ("open", "closed"))
#: An initiative's (sáng kiến) state in the register.
INITIATIVE_STATUS_LABELS: Mapping[str, Text] = _texts(
    "initiative_statuses", get_args(InitiativeStatus)
)

_ROMAN = ("I", "II", "III", "IV")
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def period_label(key: str) -> Text:
    """A period as an official writes it: ``2026-01`` "tháng 01/2026" (January 2026),
    ``2026-Q1`` "quý I/2026" (Q1 2026), ``2026`` "năm 2026" (2026). Errors: ``ValueError``
    for a key that is not a period."""
    period = Period.parse(key)
    if period.kind == "month":
        return Text(
            vi=f"tháng {period.index:02d}/{period.year}",
            en=f"{_MONTHS_EN[period.index - 1]} {period.year}",
        )
    if period.kind == "quarter":
        return Text(
            vi=f"quý {_ROMAN[period.index - 1]}/{period.year}", en=f"Q{period.index} {period.year}"
        )
    return Text(vi=f"năm {period.year}", en=str(period.year))


def labels(lang: str | None = None) -> dict[str, dict[str, object]]:
    """Every table above by name, its keys as strings: each label ``{"vi", "en"}``, or the one
    text in ``lang`` when given (what ``GET /v1/labels`` answers)."""

    def shown(text: Text) -> object:
        return text.pick(lang) if lang else text.model_dump()

    tables: dict[str, Mapping[Any, Text]] = {
        "bands": BAND_LABELS,
        "levels": LEVEL_LABELS,
        "pillars": PILLAR_LABELS,
        "classification_statuses": STATUS_LABELS,
        "missing_parts": MISSING_LABELS,
        "employment_types": EMPLOYMENT_LABELS,
        "duty_groups": GROUP_LABELS,
        "audit_statuses": AUDIT_STATUS_LABELS,
        "action_statuses": ACTION_STATUS_LABELS,
        "initiative_statuses": INITIATIVE_STATUS_LABELS,
    }
    return {
        name: {str(key): shown(text) for key, text in table.items()}
        for name, table in tables.items()
    }
