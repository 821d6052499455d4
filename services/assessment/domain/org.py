"""Reading an org chart from CSV (sơ đồ tổ chức), with no I/O: one line per person.

Columns: ``person_id, full_name, email, role, unit_id, unit_name_vi, unit_name_en,
units_in_charge`` (the last one ``;``-separated, for vice-chairmen).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from contracts.common import EntityId, Text
from contracts.roles import Role
from services.runtime.errors import ApiError

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
PERSON_ROLES = frozenset(Role) - {Role.KIOSK, Role.INTEGRATION}
MAX_LINES = 5000
_ENTITY_ID: TypeAdapter[str] = TypeAdapter(EntityId)


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


def _entity(value: str, field: str) -> str:
    try:
        return _ENTITY_ID.validate_python(value)
    except ValidationError:
        raise ApiError(422, "bad_format", field) from None


def parse_org_chart(text: str) -> list[OrgRow]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in COLUMNS if name not in (reader.fieldnames or ())]
    if missing:
        raise ApiError(422, "csv_columns", "csv", columns=", ".join(missing))
    rows: list[OrgRow] = []
    seen: set[str] = set()
    for number, line in enumerate(reader, start=2):
        if number > MAX_LINES:
            raise ApiError(413, "too_many_lines", "csv", limit=MAX_LINES)
        where = f"line {number}"
        values = {name: (line.get(name) or "").strip() for name in COLUMNS}
        person_id = _entity(values["person_id"], f"{where}.person_id")
        if person_id in seen:
            raise ApiError(422, "duplicate_person", f"{where}.person_id", person=person_id)
        seen.add(person_id)
        if not values["full_name"] or len(values["full_name"]) > 200:
            raise ApiError(422, "bad_format", f"{where}.full_name")
        try:
            role = Role(values["role"])
        except ValueError:
            raise ApiError(422, "not_allowed", f"{where}.role") from None
        if role not in PERSON_ROLES:
            raise ApiError(422, "not_allowed", f"{where}.role")
        unit_id = _entity(values["unit_id"], f"{where}.unit_id") if values["unit_id"] else None
        name = None
        if unit_id:
            if not values["unit_name_vi"] or not values["unit_name_en"]:
                raise ApiError(422, "required", f"{where}.unit_name_vi")
            name = Text(vi=values["unit_name_vi"][:200], en=values["unit_name_en"][:200])
        in_charge = tuple(
            _entity(unit.strip(), f"{where}.units_in_charge")
            for unit in values["units_in_charge"].split(";")
            if unit.strip()
        )
        rows.append(
            OrgRow(
                person_id,
                values["full_name"],
                values["email"][:254] or None,
                role,
                unit_id,
                name,
                in_charge,
            )
        )
    if not rows:
        raise ApiError(422, "csv_empty", "csv")
    return rows
