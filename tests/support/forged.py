"""Tokens no service may accept: expired, not yet valid, forged (another key under the real
key id, ``alg: none``, HS256 keyed with the issuer's public key), for other services; and a
valid one for another ward. All name a real person of the demo ward unless said otherwise."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts.roles import Role
from services.runtime.auth import AUDIENCES, Principal, SigningKey, issue_token
from tests.support.keys import session_keys

CHAIRMAN = Principal("p001", "binh-dong", Role.CHAIRMAN, "vp")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(audience: Sequence[str] = AUDIENCES) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": "ward5s",
        "sub": CHAIRMAN.subject_id,
        "aud": list(audience),
        "ward": CHAIRMAN.ward,
        "role": CHAIRMAN.role.value,
        "unit": CHAIRMAN.unit_id,
        "units": [],
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": uuid.uuid4().hex,
        "sid": uuid.uuid4().hex,
    }


def _unsigned(header: dict[str, Any], payload: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"


def expired() -> str:
    """Signed by the issuer's key, ended an hour ago (beyond any clock leeway)."""
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    return issue_token(session_keys().key, CHAIRMAN, timedelta(hours=1), AUDIENCES, two_hours_ago)


def not_yet_valid() -> str:
    """Signed by the issuer's key, valid only from an hour from now."""
    later = datetime.now(UTC) + timedelta(hours=1)
    return issue_token(session_keys().key, CHAIRMAN, timedelta(hours=1), AUDIENCES, later)


def wrong_key() -> str:
    """Signed by a key of its own under the issuer's current key id."""
    forger = SigningKey(session_keys().key.kid, Ed25519PrivateKey.generate())
    return issue_token(forger, CHAIRMAN, timedelta(hours=1))


def alg_none() -> str:
    header = {"alg": "none", "kid": session_keys().key.kid, "typ": "JWT"}
    return _unsigned(header, _claims()) + "."


def hs256_with_public_key() -> str:
    """The confusion attack: the issuer's public key (known to all) as an HMAC secret."""
    public = session_keys().key.private_key.public_key()
    secret = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = _unsigned(
        {"alg": "HS256", "kid": session_keys().key.kid, "typ": "JWT"}, _claims()
    )
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def for_other_services(service: str) -> str:
    """Valid, but for every service except ``service``."""
    others = tuple(name for name in AUDIENCES if name != service)
    return session_keys().sign(CHAIRMAN, others)


def of_another_ward(role: Role = Role.CHAIRMAN) -> str:
    """Valid, for a person of another ward (one this stack has no org chart of)."""
    return session_keys().sign(Principal("p001", "phuong-khac", role, "vp"))


def decoded(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})
