"""The keys of bearer tokens: the issuer's private keys, and where verifiers find the public ones.

The issuer (assessment) keeps its private Ed25519 keys in a directory, one PEM file per key named
by its key id (``<kid>.pem``): :class:`KeyRing`. The current signing key is the newest, the one
whose kid sorts last (kids begin with their UTC creation time); every key in the directory is
published in the JWKS and verifies, so a rotated-out key keeps working until it is retired (its
file removed). The directory is read again whenever it changes, so a rotation made by
``python -m services.assessment keys rotate`` reaches the running service without a restart.

A verifier (scoring, notifications) reads public keys only, from one of:

- :class:`JwksUrl`: assessment's ``/.well-known/jwks.json``, cached; fetched again when a token
  names a kid it does not know (at most every ``refresh_s``) and when the cache is older than
  ``max_age_s``. When assessment cannot be reached and nothing is cached, tokens are answered
  503 (:class:`~services.runtime.auth.KeysUnavailable`), not 401; once cached, the cache is used.
- :class:`JwksFile`: a JWKS file an operator installs, read again when it changes.

Keys generated for demo and test stacks have kids beginning ``demo-`` or ``test-``; production
refuses to sign with such a key or to trust a key set holding one (:func:`demo_kids`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from services.runtime.auth import ALGORITHM, KeysUnavailable, SigningKey

log = logging.getLogger(__name__)

#: Kids of keys made for demo and test stacks; never trusted in production.
DEMO_KID_PREFIXES = ("demo-", "test-")
#: After a failed fetch of the JWKS, the next attempt waits this long (not ``refresh_s``), so a
#: service started before assessment verifies tokens soon after assessment is up.
RETRY_AFTER_FAILURE_S = 1.0


class NoSigningKey(Exception):
    """The issuer has no private key to sign with."""


def demo_kids(kids: Iterable[str]) -> list[str]:
    """The kids among ``kids`` that belong to demo or test stacks."""
    return [kid for kid in kids if kid.startswith(DEMO_KID_PREFIXES)]


def new_kid(prefix: str = "", now: datetime | None = None) -> str:
    """A key id that sorts after every earlier one (its UTC creation time to the microsecond):
    ``<prefix>20261130T114413.123456Z-3fa2c1``."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{prefix}{moment:%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(3)}"


def public_jwk(kid: str, private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """The public half of a key as a JWK (RFC 8037 ``OKP``/``Ed25519``), with its kid."""
    jwk: dict[str, Any] = OKPAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"}


def parse_jwks(document: Any) -> dict[str, jwt.PyJWK]:
    """kid -> public key, for the Ed25519 signing keys of a JWKS document (others are skipped).
    Raises ValueError for a document that is not a JWKS or holds a private key."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS: no 'keys' list")
    keys = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or "d" in entry:
            raise ValueError("a JWKS for verifiers holds public keys only")
        if entry.get("kty") != "OKP" or not isinstance(entry.get("kid"), str):
            continue
        keys[entry["kid"]] = jwt.PyJWK(entry, algorithm=ALGORITHM)
    return keys


class KeyRing:
    """The issuer's private keys, one ``<kid>.pem`` file (PKCS #8) each, in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._seen: int | None = None
        self._keys: dict[str, SigningKey] = {}

    def signing_keys(self) -> dict[str, SigningKey]:
        """kid -> key, oldest first; read again when the directory has changed."""
        try:
            stamp = self.directory.stat().st_mtime_ns
        except FileNotFoundError:
            self._seen, self._keys = None, {}
            return {}
        if stamp != self._seen:
            loaded = {}
            for path in sorted(self.directory.glob("*.pem")):
                key = serialization.load_pem_private_key(path.read_bytes(), password=None)
                if not isinstance(key, Ed25519PrivateKey):
                    raise NoSigningKey(f"{path} is not an Ed25519 private key")
                loaded[path.stem] = SigningKey(path.stem, key)
            self._seen, self._keys = stamp, loaded
        return self._keys

    def current(self) -> SigningKey:
        """The key new tokens are signed with: the newest. Raises :class:`NoSigningKey`."""
        keys = self.signing_keys()
        if not keys:
            raise NoSigningKey(f"no signing key in {self.directory}")
        return keys[max(keys)]

    def jwks(self) -> dict[str, Any]:
        """Every key's public half: what ``/.well-known/jwks.json`` serves."""
        return {
            "keys": [public_jwk(kid, key.private_key) for kid, key in self.signing_keys().items()]
        }

    def rotate(self, prefix: str = "") -> SigningKey:
        """Make a new key, which becomes the current one; the older keys stay (and verify)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        kid = new_kid(prefix)
        alike = [
            k
            for k in self.signing_keys()
            if k.startswith(prefix) and bool(demo_kids([k])) == bool(prefix)
        ]
        newest = max(alike, default="")
        if kid <= newest:
            raise ValueError(f"the clock is behind the newest key {newest}: {kid} would not sign")
        private_key = Ed25519PrivateKey.generate()
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        partial = self.directory / f".{kid}.tmp"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(pem)
        partial.rename(self.directory / f"{kid}.pem")
        return SigningKey(kid, private_key)

    def ensure(self, prefix: str = "") -> SigningKey:
        """The current key, made first if there is none."""
        return self.current() if self.signing_keys() else self.rotate(prefix)

    def retire(self, kid: str) -> None:
        """Stop publishing ``kid``: tokens it signed are refused once verifiers see the change.
        Raises KeyError for an unknown kid, ValueError for the current key."""
        keys = self.signing_keys()
        if kid not in keys:
            raise KeyError(kid)
        if kid == max(keys):
            raise ValueError("the current signing key cannot be retired; rotate first")
        (self.directory / f"{kid}.pem").unlink()


class LocalKeys:
    """The issuer's own public keys, for verifying in the issuer itself."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    async def key(self, kid: str) -> jwt.PyJWK | None:
        signing = self.ring.signing_keys().get(kid)
        return jwt.PyJWK(public_jwk(kid, signing.private_key)) if signing else None

    async def ready(self) -> None:
        self.ring.current()


class JwksFile:
    """Public keys from a JWKS file an operator installs; read again when it changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: int | None = None
        self._keys: dict[str, jwt.PyJWK] = {}

    def keys(self) -> dict[str, jwt.PyJWK]:
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError as error:
            raise KeysUnavailable(f"no JWKS file at {self.path}") from error
        if stamp != self._seen:
            self._keys = parse_jwks(json.loads(self.path.read_text(encoding="utf-8")))
            self._seen = stamp
        return self._keys

    async def key(self, kid: str) -> jwt.PyJWK | None:
        return self.keys().get(kid)

    async def ready(self) -> None:
        if not self.keys():
            raise KeysUnavailable(f"no keys in {self.path}")


class JwksUrl:
    """Public keys fetched from the issuer's JWKS endpoint, cached.

    Fetched again: when a token names an unknown kid, at most every ``refresh_s`` (a flood of
    forged kids cannot make it hammer the issuer); when the cache is older than ``max_age_s``
    (so a retired key stops verifying within that time); after a failure, every
    :data:`RETRY_AFTER_FAILURE_S`. A failed fetch keeps the cached keys."""

    def __init__(
        self, url: str, refresh_s: float = 30.0, max_age_s: float = 300.0, timeout_s: float = 3.0
    ) -> None:
        self.url = url
        self.refresh_s = refresh_s
        self.max_age_s = max_age_s
        self.timeout_s = timeout_s
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._fetched_at = 0.0
        self._next_attempt = 0.0
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK | None:
        now = time.monotonic()
        stale = now - self._fetched_at >= self.max_age_s
        if self._keys is None or stale or kid not in self._keys:
            await self._refresh()
        if self._keys is None:
            raise KeysUnavailable(f"the token keys at {self.url} cannot be fetched")
        return self._keys.get(kid)

    async def ready(self) -> None:
        if self._keys is None:
            await self._refresh()
        if self._keys is None:
            raise KeysUnavailable(f"the token keys at {self.url} cannot be fetched")

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() < self._next_attempt:
                return
            try:
                async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                    answer = await client.get(self.url)
                answer.raise_for_status()
                keys = parse_jwks(answer.json())
            except (httpx.HTTPError, ValueError) as error:
                log.warning("token keys not fetched from %s: %s", self.url, error)
                self._next_attempt = time.monotonic() + RETRY_AFTER_FAILURE_S
                return
            self._keys = keys
            self._fetched_at = time.monotonic()
            self._next_attempt = self._fetched_at + self.refresh_s


def remote_keys(
    url: str, file: Path | None, refresh_s: float = 30.0, max_age_s: float = 300.0
) -> JwksFile | JwksUrl:
    """A verifying service's key source: the JWKS file when one is given, else the URL."""
    if file is not None:
        return JwksFile(file)
    return JwksUrl(url, refresh_s=refresh_s, max_age_s=max_age_s)
