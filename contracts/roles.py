"""Who may do what: the roles a bearer token carries."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # ward IT / quản trị
    CHAIRMAN = "chairman"  # Chủ tịch UBND phường
    VICE_CHAIRMAN = "vice_chairman"  # Phó Chủ tịch, in charge of some units
    UNIT_HEAD = "unit_head"  # Trưởng phòng / thủ trưởng đơn vị
    AUDITOR = "auditor"  # Thành viên đoàn đánh giá 5S
    STAFF = "staff"  # cán bộ, công chức, người lao động
    KIOSK = "kiosk"  # a citizen feedback device at the service centre
    INTEGRATION = "integration"  # the HR / task system
    CITY = "city"  # a city's officials: read the figures of every ward of their city, write nothing


#: Roles that see every unit of their ward.
WARD_WIDE_ROLES = frozenset({Role.ADMIN, Role.CHAIRMAN, Role.AUDITOR})
#: Roles of a city, not of a ward: a token names the city (claim ``city``), no ward of its own;
#: only scoring answers it (reads of a ward of that city), and every command refuses it.
CITY_ROLES = frozenset({Role.CITY})
#: Roles that never write: the command pipeline refuses them whatever a command's own roles.
READ_ONLY_ROLES = CITY_ROLES
#: Roles a person of a ward's org chart may hold (not a device's, not a city's).
PERSON_ROLES = frozenset(Role) - {Role.KIOSK, Role.INTEGRATION} - CITY_ROLES
