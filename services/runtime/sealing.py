"""Sealing a small payload for another service with a key both hold (Fernet from
``cryptography``: AES-128-CBC with HMAC-SHA256, timestamped). Assessment seals the sign-in link
it asks notifications to e-mail, so the event that carries it leaves no usable secret on the
stream (docs/SECURITY.md, "How the link reaches the person")."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

#: The demo and test stacks' key; production refuses to start with it.
DEMO_MAIL_KEY = SecretStr("ward5s-demo-sign-in-mail-key-change-me-in-production")


class Unsealable(Exception):
    """Not sealed with this key, or altered."""


def _fernet(secret: SecretStr) -> Fernet:
    # Fernet wants 32 random bytes; the shared secret (32 characters at least in production)
    # is stretched to them by SHA-256.
    raw = hashlib.sha256(secret.get_secret_value().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def seal(secret: SecretStr, payload: dict[str, Any]) -> str:
    """``payload`` as JSON, encrypted and authenticated with ``secret``."""
    return _fernet(secret).encrypt(json.dumps(payload).encode()).decode()


def unseal(secret: SecretStr, sealed: str) -> dict[str, Any]:
    """What :func:`seal` sealed (``Unsealable`` for another key or a changed text)."""
    try:
        value: dict[str, Any] = json.loads(_fernet(secret).decrypt(sealed.encode()))
    except (InvalidToken, ValueError) as error:
        raise Unsealable(str(error) or type(error).__name__) from error
    return value
