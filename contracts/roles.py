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


#: Roles that see every unit of their ward.
WARD_WIDE_ROLES = frozenset({Role.ADMIN, Role.CHAIRMAN, Role.AUDITOR})
