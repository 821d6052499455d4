"""Assessment as the only issuer of bearer tokens: the public keys at
``GET /.well-known/jwks.json``, the tokens it mints and how long each kind lasts, and the
``python -m services.assessment keys`` command that rotates and retires the signing keys
(docs/SECURITY.md)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from contracts.roles import CITY_ROLES, PERSON_ROLES
from services.assessment.handlers.revoking import SESSION_TOKENS_LIVE
from services.assessment.settings import AssessmentSettings, assessment_settings
from services.runtime.auth import AUDIENCES, Principal, issue_token
from services.runtime.settings import ServiceSettings
from services.runtime.token_keys import KeyRing

router = APIRouter()

#: Verifiers cache the key set this long at most (``WARD5S_JWKS_MAX_AGE_S`` is their side).
JWKS_CACHE_S = 300
#: The demo ward's tokens (``var/demo-tokens.json``) last a working day and a night: a demo
#: person's is minted from a session of its own (``demo/credentials.py``), so it lives no longer
#: than a revoked session is listed (``handlers/revoking.py``).
DEMO_TOKEN_TTL = SESSION_TOKENS_LIVE
#: A device's token is for assessment alone: kiosks and integrations only submit.
DEVICE_AUDIENCE = ("assessment",)
#: What this service sends to read scoring's figures on someone's behalf is for scoring alone.
SCORING_AUDIENCE = ("scoring",)


@router.get(
    "/.well-known/jwks.json",
    tags=["operations"],
    summary="The public keys that verify bearer tokens (JWKS, RFC 7517); open, cacheable",
)
async def jwks(request: Request) -> JSONResponse:
    issuer: Issuer = request.app.state.issuer
    return JSONResponse(
        issuer.ring.jwks(),
        headers={"Cache-Control": f"public, max-age={JWKS_CACHE_S}"},
    )


@dataclass(frozen=True)
class Issuer:
    """Mints tokens with the current key of ``ring``; how long each lasts is the settings'."""

    ring: KeyRing
    device_ttl: timedelta
    access_ttl: timedelta = timedelta(minutes=15)

    @classmethod
    def of(cls, ring: KeyRing, settings: AssessmentSettings) -> Issuer:
        return cls(
            ring,
            device_ttl=timedelta(days=settings.device_token_days),
            access_ttl=timedelta(minutes=settings.access_token_minutes),
        )

    def access(self, principal: Principal, now: datetime | None = None) -> str:
        """A signed-in person's access token (their seat now), for every service, for
        ``access_ttl`` (minutes: the refresh token renews it; docs/SECURITY.md)."""
        return issue_token(self.ring.current(), principal, self.access_ttl, AUDIENCES, now)

    def for_scoring(self, principal: Principal) -> str:
        """A token for scoring alone, for ``access_ttl``: what this service sends to read
        scoring's figures for ``principal`` (a periodic review's, the period report's), never
        returned nor kept (docs/SECURITY.md)."""
        return issue_token(self.ring.current(), principal, self.access_ttl, SCORING_AUDIENCE)

    def device(self, principal: Principal, now: datetime | None = None) -> str:
        """A device's token, for assessment only, for ``device_ttl``."""
        return issue_token(self.ring.current(), principal, self.device_ttl, DEVICE_AUDIENCE, now)

    def demo(self, principal: Principal) -> str:
        """A demo caller's token, for a day: a person's for every service, a device's for
        assessment alone (as the device's own)."""
        audience = AUDIENCES if principal.role in PERSON_ROLES | CITY_ROLES else DEVICE_AUDIENCE
        return issue_token(self.ring.current(), principal, DEMO_TOKEN_TTL, audience)


# --- python -m services.assessment keys ------------------------------------------------------


def configure_keys_command(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="the keys, oldest first; the last one signs")
    actions.add_parser("init", help="make a first key when there is none (else do nothing)")
    actions.add_parser("rotate", help="make a new key that signs from now; the others still verify")
    retire = actions.add_parser("retire", help="stop publishing a key: its tokens are refused")
    retire.add_argument("kid")


def run_keys_command(settings: ServiceSettings, arguments: argparse.Namespace) -> None:
    config = assessment_settings(settings)
    ring = KeyRing(config.signing_keys_dir or config.var_dir / "token-keys")
    prefix = "" if config.environment == "production" else f"{config.environment}-"
    if arguments.action == "rotate":
        print(f"new signing key {ring.rotate(prefix).kid} in {ring.directory}")
    elif arguments.action == "init":
        print(f"signing key {ring.ensure(prefix).kid} in {ring.directory}")
    elif arguments.action == "retire":
        try:
            ring.retire(arguments.kid)
        except KeyError:
            raise SystemExit(f"no key {arguments.kid} in {ring.directory}") from None
        except ValueError as error:
            raise SystemExit(str(error)) from None
        print(f"retired {arguments.kid}")
    keys = list(ring.signing_keys())
    for kid in keys:
        print(f"{kid}{'  (signs)' if kid == keys[-1] else ''}")
