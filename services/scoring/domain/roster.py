"""The ward's current org chart as scoring needs it (pure, no I/O): for each person, their
unit, the duty group within which the cap on "xuất sắc" applies, and whether they are a công
chức (counted in the cap) or a người lao động (classified, not counted); and which units and
people the chart names, so a query about an id it does not name is told so."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from contracts.common import Text
from contracts.events import SPECIALISTS_GROUP, EmploymentType, OrgChartPublishedData
from contracts.labels import GROUP_LABELS

#: A person as stored: person id, unit id, duty group, employment type, role (the role is kept
#: since issue 14: a row stored before has four values, and its person no role).
RosterRow = tuple[str, str | None, str, str, str]


@dataclass(frozen=True)
class Member:
    """Where the org chart places a person."""

    unit_id: str | None = None
    group: str = SPECIALISTS_GROUP
    employment_type: EmploymentType = "cong_chuc"
    #: Their role (a ``Role`` value): what their rights in scoring follow (the chairman's
    #: decisions); None for a row stored before roles were kept (until the next chart arrives,
    #: or a rebuild).
    role: str | None = None


#: Someone with scores who is not in the current org chart (they left, or it has not arrived
#: yet): a specialist công chức, as the org chart's defaults would have it.
UNLISTED = Member()


def roster_rows(chart: OrgChartPublishedData) -> tuple[RosterRow, ...]:
    """The chart's people as rows, by person id; the duty group resolved (``OrgPerson.group``:
    the one named, else leaders or specialists by role)."""
    return tuple(
        sorted(
            (p.person_id, p.unit_id, p.group, p.employment_type, p.role.value) for p in chart.people
        )
    )


def unit_ids(chart: OrgChartPublishedData) -> tuple[str, ...]:
    """The chart's unit ids, sorted."""
    return tuple(sorted(u.unit_id for u in chart.units))


class RosterEntry(NamedTuple):
    """What scoring keeps of a ward's newest org chart (one ``org_rosters`` row)."""

    version: int
    people: tuple[RosterRow, ...]
    units: tuple[str, ...]
    #: The ward's name and the city it belongs to, as the chart published them (None: unnamed,
    #: or in no city).
    ward_name: str | None
    city: str | None
    #: What exports show instead of ids (:func:`roster_names`); None for a chart stored before
    #: names were kept (until the next chart arrives, or a rebuild).
    names: Mapping[str, Any] | None = None


def roster_names(chart: OrgChartPublishedData) -> dict[str, Any]:
    """``{"people": {person id: full name}, "units": {unit id: {"vi", "en"}}, "groups": {duty
    group id: {"vi", "en"}}}``."""
    return {
        "people": {p.person_id: p.full_name for p in chart.people},
        "units": {u.unit_id: u.name.model_dump() for u in chart.units},
        "groups": {g.group_id: g.name.model_dump() for g in chart.duty_groups},
    }


def roster_entry(chart: OrgChartPublishedData) -> RosterEntry:
    """The chart as scoring keeps it: :func:`roster_rows`, :func:`unit_ids`, name, city and
    :func:`roster_names`."""
    return RosterEntry(
        chart.version,
        roster_rows(chart),
        unit_ids(chart),
        chart.ward_name,
        chart.city,
        roster_names(chart),
    )


@dataclass(frozen=True)
class Names:
    """The names of a ward's people, units and duty groups, as its newest org chart gives them
    (the groups by role: ``GROUP_LABELS``); an id the chart does not name shows as itself."""

    people: Mapping[str, str]
    units: Mapping[str, Text]
    groups: Mapping[str, Text] = field(default_factory=dict)

    @classmethod
    def of(cls, stored: Mapping[str, Any] | None) -> Names:
        stored = stored or {}
        units = {uid: Text.model_validate(name) for uid, name in stored.get("units", {}).items()}
        groups = {gid: Text.model_validate(name) for gid, name in stored.get("groups", {}).items()}
        return cls(dict(stored.get("people", {})), units, {**GROUP_LABELS, **groups})

    def group(self, group_id: str | None) -> Text | None:
        """The duty group's name (None without a group; its id for a chart stored before
        groups were named, until the next chart arrives)."""
        if group_id is None:
            return None
        return self.groups.get(group_id) or Text(vi=group_id, en=group_id)

    def person(self, person_id: str) -> str:
        return self.people.get(person_id, person_id)

    def unit(self, unit_id: str | None) -> Text | None:
        if unit_id is None:
            return None
        return self.units.get(unit_id) or Text(vi=unit_id, en=unit_id)


@dataclass(frozen=True)
class Chart:
    """Which ids the ward's current org chart names. ``units`` is None for a chart stored before
    scoring kept its units (until the next chart arrives, or a rebuild)."""

    people: frozenset[str]
    units: frozenset[str] | None

    def names_unit(self, unit_id: str) -> bool:
        """Whether the chart names the unit (True when its units are not known)."""
        return self.units is None or unit_id in self.units

    def names_person(self, person_id: str) -> bool:
        return person_id in self.people


def members_of(rows: Iterable[Iterable[object]]) -> dict[str, Member]:
    """Stored rows back into members by person id."""
    members = {}
    for person, unit, group, employment, *role in (tuple(row) for row in rows):
        members[str(person)] = Member(
            None if unit is None else str(unit),
            str(group),
            "nguoi_lao_dong" if employment == "nguoi_lao_dong" else "cong_chuc",
            str(role[0]) if role else None,
        )
    return members
