"""Bearer tokens: who is calling, for which ward, in which role.

Tokens are signed (HS256) by the assessment service, which owns the org chart, with a secret every
service shares; the others check the signature without a database round trip. A token names one
person or device, its ward, its role, its unit and, for a vice-chairman, the units in their charge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from contracts.roles import CITY_ROLES, WARD_WIDE_ROLES, Role

ISSUER = "ward5s"
ALGORITHM = "HS256"


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class Principal:
    subject_id: str  # a person id, or a device id for kiosks and integrations
    ward: str
    role: Role
    unit_id: str | None = None
    units_in_charge: tuple[str, ...] = field(default_factory=tuple)
    #: A city official's city (claim ``city``); their ``ward`` is empty until scoring narrows
    #: it to the ward of that city they name.
    city: str | None = None

    def sees_unit(self, unit_id: str) -> bool:
        """Whether this caller may read the figures and alerts of a unit of their ward."""
        if self.role in WARD_WIDE_ROLES:
            return True
        if self.role is Role.VICE_CHAIRMAN:
            return unit_id in self.units_in_charge or unit_id == self.unit_id
        return self.role is Role.UNIT_HEAD and unit_id == self.unit_id


def issue_token(secret: str, principal: Principal, ttl: timedelta = timedelta(days=365)) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": principal.subject_id,
        "ward": principal.ward,
        "role": principal.role.value,
        "unit": principal.unit_id,
        "units": list(principal.units_in_charge),
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    if principal.city:
        claims["city"] = principal.city
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iss"]},
        )
        principal = Principal(
            subject_id=str(claims["sub"]),
            ward=str(claims["ward"]),
            role=Role(claims["role"]),
            unit_id=claims.get("unit"),
            units_in_charge=tuple(claims.get("units") or ()),
            city=claims.get("city"),
        )
        of_city = principal.role in CITY_ROLES
        if of_city != bool(principal.city) or of_city == bool(principal.ward):
            raise ValueError("a city token names its city and no ward, a ward's its ward only")
        return principal
    except (jwt.PyJWTError, KeyError, ValueError) as error:
        raise InvalidToken(str(error)) from error
