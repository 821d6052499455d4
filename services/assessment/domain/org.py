"""The rules of an org chart (sơ đồ tổ chức), with no I/O: one row per person, as the upload's
lines give it (read from CSV by ``entrypoints/org_csv.py``), and the ward's devices.

Columns: ``person_id, full_name, email, role, unit_id, unit_name_vi, unit_name_en,
units_in_charge`` (the last one ``;``-separated, for vice-chairmen), and two optional ones for
the 20 % cap on "xuất sắc" (Decree 335/2025/NĐ-CP applies it per group of officials with similar
duties, and to công chức only): ``duty_group`` (an id; empty: by role, leaders or specialists)
with its name, ``duty_group_name_vi`` and ``duty_group_name_en`` (required with a group, the same
on every line of the group: pages and exports show the name, never the id), and
``employment_type`` (``cong_chuc`` or ``nguoi_lao_dong``; empty: ``cong_chuc``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from contracts.common import EntityId, Text
from contracts.events import DutyGroup, EmploymentType
from contracts.roles import PERSON_ROLES, Role
from contracts.text import nfc
from services.runtime.refusals import Kind, Refusal

COLUMNS = (
    "person_id",
    "full_name",
    "email",
    "role",
    "unit_id",
    "unit_name_vi",
    "unit_name_en",
    "units_in_charge",
)
#: Optional columns: a chart without them reads as before (groups by role, all công chức).
OPTIONAL_COLUMNS = ("duty_group", "duty_group_name_vi", "duty_group_name_en", "employment_type")
EMPLOYMENT_TYPES: tuple[EmploymentType, ...] = ("cong_chuc", "nguoi_lao_dong")
_ENTITY_ID: TypeAdapter[str] = TypeAdapter(EntityId)
#: The longest value of a column, in letters of the NFC text (the tables' widths).
_LIMITS = {
    "full_name": 200,
    "email": 254,
    "unit_name_vi": 200,
    "unit_name_en": 200,
    "duty_group_name_vi": 200,
    "duty_group_name_en": 200,
}


@dataclass(frozen=True)
class OrgRow:
    """One line of an org chart: a person, their role and unit."""

    person_id: str
    full_name: str
    email: str | None
    role: Role
    unit_id: str | None
    unit_name: Text | None
    units_in_charge: tuple[str, ...] = ()
    duty_group: str | None = None
    employment_type: EmploymentType = "cong_chuc"
    #: The duty group's name (None without a group).
    duty_group_name: Text | None = None


@dataclass(frozen=True)
class DeviceRow:
    """A kiosk, QR link (``channel`` qr, for one unit) or integration of the ward."""

    device_id: str
    role: Role
    unit_id: str | None
    label: Text
    channel: str = "kiosk"
    active: bool = True


def _entity(value: str, field: str) -> str:
    try:
        return _ENTITY_ID.validate_python(value)
    except ValidationError:
        raise Refusal(Kind.INVALID, "bad_format", field) from None


def _employment_type(value: str, number: int) -> EmploymentType:
    if not value:
        return "cong_chuc"
    for allowed in EMPLOYMENT_TYPES:
        if value == allowed:
            return allowed
    raise Refusal(
        Kind.INVALID,
        "employment_type",
        f"line {number}.employment_type",
        line=number,
        allowed=", ".join(EMPLOYMENT_TYPES),
    )


def org_rows(lines: Iterable[tuple[int, Mapping[str, str]]]) -> list[OrgRow]:
    """The people of an org chart's ``(line number, {column: value})`` lines, in order.
    Errors (``Refusal``): invalid with the field ``line <n>.<column>`` for a bad value
    (``bad_format``, ``not_allowed``, ``required``, ``duplicate_person``, ``employment_type``);
    ``csv_empty`` when there is no line."""
    rows: list[OrgRow] = []
    seen: set[str] = set()
    groups: dict[str, Text] = {}
    for number, line in lines:
        try:
            rows.append(org_row(number, line, seen))
            _same_group_name(rows[-1], groups, number)
        except Refusal as refusal:
            # Where it is, for the message: "Dòng 7, cột email: ..." (runtime.refusals).
            column = (refusal.field or "").partition(".")[2]
            refusal.params.setdefault("line", number)
            refusal.params.setdefault("column", column)
            raise
    if not rows:
        raise Refusal(Kind.INVALID, "csv_empty", "csv")
    return rows


def _same_group_name(row: OrgRow, groups: dict[str, Text], number: int) -> None:
    """Refuse line ``number`` naming its duty group otherwise than an earlier line (``groups``,
    by id, gains the group)."""
    if row.duty_group is None or row.duty_group_name is None:
        return
    if groups.setdefault(row.duty_group, row.duty_group_name) != row.duty_group_name:
        raise Refusal(
            Kind.INVALID,
            "duty_group_name",
            f"line {number}.duty_group_name_vi",
            group=row.duty_group,
        )


def duty_groups(rows: Iterable[OrgRow]) -> tuple[DutyGroup, ...]:
    """The duty groups the rows (checked by :func:`org_rows`) name, by id, with their names."""
    groups = {
        row.duty_group: row.duty_group_name
        for row in rows
        if row.duty_group is not None and row.duty_group_name is not None
    }
    return tuple(DutyGroup(group_id=gid, name=name) for gid, name in sorted(groups.items()))


#: Unicode categories refused in an org chart's values: control characters (CR, LF, NUL, tab,
#: ...) and the line and paragraph separators. A name or an address goes into e-mail headers
#: and subjects, where a line break would end the header (issue 17, item 2).
_CONTROL = frozenset({"Cc", "Zl", "Zp"})


def has_control_characters(value: str) -> bool:
    """Whether ``value`` holds a character of :data:`_CONTROL`."""
    return any(unicodedata.category(char) in _CONTROL for char in value)


def org_row(number: int, line: Mapping[str, str], seen: set[str]) -> OrgRow:
    """One person of line ``number``, not among the ``seen`` ones before it (added to them);
    see :func:`org_rows` for the errors."""
    where = f"line {number}"
    values = {name: nfc(line.get(name) or "").strip() for name in COLUMNS + OPTIONAL_COLUMNS}
    for column, value in values.items():
        if has_control_characters(value):
            raise Refusal(Kind.INVALID, "bad_format", f"{where}.{column}")
    person_id = _entity(values["person_id"], f"{where}.person_id")
    if person_id in seen:
        raise Refusal(Kind.INVALID, "duplicate_person", f"{where}.person_id", person=person_id)
    seen.add(person_id)
    if not values["full_name"]:
        raise Refusal(Kind.INVALID, "bad_format", f"{where}.full_name")
    for column, limit in _LIMITS.items():
        if len(values[column]) > limit:  # counted in composed letters (NFC)
            raise Refusal(Kind.INVALID, "too_long_text", f"{where}.{column}", limit=limit)
    try:
        role = Role(values["role"])
    except ValueError:
        raise Refusal(Kind.INVALID, "not_allowed", f"{where}.role") from None
    if role not in PERSON_ROLES:
        raise Refusal(Kind.INVALID, "not_allowed", f"{where}.role")
    unit_id = _entity(values["unit_id"], f"{where}.unit_id") if values["unit_id"] else None
    name = None
    if unit_id:
        if not values["unit_name_vi"] or not values["unit_name_en"]:
            raise Refusal(Kind.INVALID, "required", f"{where}.unit_name_vi")
        name = Text(vi=values["unit_name_vi"], en=values["unit_name_en"])
    in_charge = tuple(
        _entity(unit.strip(), f"{where}.units_in_charge")
        for unit in values["units_in_charge"].split(";")
        if unit.strip()
    )
    duty_group = (
        _entity(values["duty_group"], f"{where}.duty_group") if values["duty_group"] else None
    )
    group_name = None
    if duty_group:
        if not values["duty_group_name_vi"]:
            raise Refusal(Kind.INVALID, "required", f"{where}.duty_group_name_vi")
        vi = values["duty_group_name_vi"]
        group_name = Text(vi=vi, en=values["duty_group_name_en"] or vi)
    return OrgRow(
        person_id,
        values["full_name"],
        values["email"] or None,
        role,
        unit_id,
        name,
        in_charge,
        duty_group,
        _employment_type(values["employment_type"], number),
        group_name,
    )
