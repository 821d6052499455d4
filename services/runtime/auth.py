"""Bearer tokens: who is calling, for which ward, in which role, and for which services.

Only assessment, which owns the org chart, can mint them: it signs with a private Ed25519 key
(JWS ``EdDSA``) that no other service holds, and publishes the public keys as a JWKS at
``GET /.well-known/jwks.json``. Scoring and notifications verify with those public keys alone
(:mod:`services.runtime.token_keys` says where they come from). A token names one person or
device, its ward, its role, its unit and, for a vice-chairman, the units in their charge; its
header names the key (``kid``) and its claims say who it is for (``aud``), when it was made and
ends (``iat``, ``nbf``, ``exp``), which token it is (``jti``) and which credential it was minted
from (``sid``: a person's session, a device's credential), by which it is revoked
(:mod:`services.runtime.revocations`). docs/SECURITY.md has the model.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import jwt

from contracts.roles import CITY_ROLES, WARD_WIDE_ROLES, Role
from services.runtime.clock import wall

ISSUER = "ward5s"
#: The one signature algorithm accepted (Ed25519). Anything else (``none``, ``HS256`` with the
#: public key as a secret, RSA) is refused before a key is even looked up.
ALGORITHM = "EdDSA"
#: The services a token may be for; a person's token is for all of them.
AUDIENCES = ("assessment", "scoring", "notifications")
#: Claims every token must carry.
REQUIRED_CLAIMS = ("iss", "sub", "aud", "iat", "nbf", "exp", "jti", "sid")
#: Clock difference between machines tolerated on ``iat``, ``nbf`` and ``exp``.
LEEWAY = timedelta(seconds=30)
#: The claims that say when a token is valid, checked against the service's own clock
#: (``check_times``), not by PyJWT against the machine's.
TIME_CLAIMS = ("iat", "nbf", "exp")


class InvalidToken(Exception):
    """The token is not one of ours, not for this service, or not valid now: answer 401."""


class KeysUnavailable(Exception):
    """The keys that would check the token cannot be had now (the issuer is unreachable and
    none are cached): answer 503, since the token may well be valid."""


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
    #: The credential the token was minted from (claim ``sid``): a signed-in person's session
    #: (their refresh tokens' family), a device's current credential, or one of its own for a
    #: token minted alone (a city official's). Revoking it refuses the token in every service.
    session_id: str | None = field(default=None, compare=False)

    def sees_unit(self, unit_id: str) -> bool:
        """Whether this caller may read the figures and alerts of a unit of their ward."""
        if self.role in WARD_WIDE_ROLES:
            return True
        if self.role is Role.VICE_CHAIRMAN:
            return unit_id in self.units_in_charge or unit_id == self.unit_id
        return self.role is Role.UNIT_HEAD and unit_id == self.unit_id


def seated(subject_id: str, ward: str, seat: Any) -> Principal:
    """A person of ``ward`` as a service's copy of the org chart seats them: ``seat`` is its row
    of them (``role``, ``unit_id``, ``units_in_charge``: a list, or None for none). The role,
    unit and units a token carries may be older; a command goes by this."""
    return Principal(
        subject_id, ward, Role(seat.role), seat.unit_id, tuple(seat.units_in_charge or ())
    )


@dataclass(frozen=True)
class SigningKey:
    """A private key and its key id, as the issuer holds it."""

    kid: str
    private_key: Any  # cryptography's Ed25519PrivateKey


class KeySource(Protocol):
    """Where a verifier finds the public key of a ``kid``."""

    async def key(self, kid: str) -> jwt.PyJWK | None:
        """The public key named ``kid``; None when no such key is published (the token is then
        refused). Raises :class:`KeysUnavailable` when no key set can be had at all."""
        ...

    async def ready(self) -> None:
        """Raise when the source has no keys to verify with (a readiness check)."""
        ...


def issue_token(
    key: SigningKey,
    principal: Principal,
    ttl: timedelta,
    audience: Sequence[str] = AUDIENCES,
    now: datetime | None = None,
) -> str:
    """A token for ``principal``, signed with ``key``, valid from ``now`` (default: the
    process's wall clock, ``clock.wall``, the one verifiers check it against) for ``ttl``, for
    the services in ``audience``; its ``sid`` is the principal's ``session_id`` (a credential
    of its own when None)."""
    moment = now or wall()
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": principal.subject_id,
        "aud": list(audience),
        "ward": principal.ward,
        "role": principal.role.value,
        "unit": principal.unit_id,
        "units": list(principal.units_in_charge),
        "iat": int(moment.timestamp()),
        "nbf": int(moment.timestamp()),
        "exp": int((moment + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
        "sid": principal.session_id or uuid.uuid4().hex,
    }
    if principal.city:
        claims["city"] = principal.city
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


class TokenVerifier:
    """Checks tokens meant for ``audience`` (a service's name) with the keys of ``source``,
    and, given ``revoked`` (whether a credential id is revoked: the service's
    ``revoked_credentials``, :mod:`services.runtime.revocations`), that the credential the token
    was minted from still stands."""

    def __init__(
        self,
        audience: str,
        source: KeySource,
        revoked: Callable[[str], Awaitable[bool]] | None = None,
    ) -> None:
        self.audience = audience
        self.source = source
        self.revoked = revoked

    async def verify(self, token: str) -> Principal:
        """The caller the token names. Raises :class:`InvalidToken` (401) for a token that is
        malformed, signed by an unknown key or another algorithm, for another service, expired,
        not valid yet or minted from a revoked credential; :class:`KeysUnavailable` (503) when
        no keys can be had."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str):
            raise InvalidToken("not signed by the issuer's algorithm, or no key id")
        public = await self.source.key(kid)
        if public is None:
            raise InvalidToken(f"unknown key {kid!r}")
        principal = self.decode(token, public)
        if self.revoked is not None and await self.revoked(str(principal.session_id)):
            raise InvalidToken("its credential is revoked")
        return principal

    def decode(self, token: str, public: jwt.PyJWK) -> Principal:
        try:
            claims = jwt.decode(
                token,
                public.key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=ISSUER,
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_exp": False,
                },
            )
            check_times(claims, wall())
            principal = Principal(
                subject_id=str(claims["sub"]),
                ward=str(claims["ward"]),
                role=Role(claims["role"]),
                unit_id=claims.get("unit"),
                units_in_charge=tuple(claims.get("units") or ()),
                city=claims.get("city"),
                session_id=str(claims["sid"]),
            )
            of_city = principal.role in CITY_ROLES
            if of_city != bool(principal.city) or of_city == bool(principal.ward):
                raise ValueError("a city token names its city and no ward, a ward's its ward only")
            return principal
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as error:
            raise InvalidToken(str(error)) from error


def check_times(claims: dict[str, Any], now: datetime) -> None:
    """That a token's ``iat``, ``nbf`` and ``exp`` (seconds since the epoch) make it valid at
    ``now`` (aware; the service's wall clock, moved in demo and test processes like the clock
    that minted the token), give or take ``LEEWAY``: made and valid from no later than now,
    and not expired (``exp`` after now). Errors: ``ValueError`` for a claim that is not a
    number, or a token not valid at ``now``."""
    for claim in TIME_CLAIMS:
        if isinstance(claims[claim], bool) or not isinstance(claims[claim], int | float):
            raise ValueError(f"{claim} is not a number of seconds")
    latest = (now + LEEWAY).timestamp()
    if claims["iat"] > latest or claims["nbf"] > latest:
        raise ValueError("the token is not yet valid")
    if claims["exp"] <= (now - LEEWAY).timestamp():
        raise ValueError("the token has expired")
