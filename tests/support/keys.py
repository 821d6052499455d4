"""The test stack's token keys: one Ed25519 key made per test session (never committed), which
``tests.conftest.bearer`` signs with and every service under test trusts.

- assessment signs with it: ``signing_keys_dir`` (``WARD5S_ASSESSMENT_SIGNING_KEYS_DIR``);
- scoring and notifications verify with its public half: ``jwks_file`` (``WARD5S_JWKS_FILE``).

``settings()`` and ``env()`` give both, for services built in the test's process and for
services started as processes."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from services.runtime.auth import AUDIENCES, Principal, SigningKey, issue_token
from services.runtime.token_keys import KeyRing

#: Long enough for the longest test run.
TEST_TOKEN_TTL = timedelta(hours=12)


@dataclass(frozen=True)
class SessionKeys:
    ring: KeyRing
    jwks_file: Path

    @property
    def key(self) -> SigningKey:
        return self.ring.current()

    def settings(self) -> dict[str, Any]:
        """Setting overrides that make a service built in this process trust the test key."""
        return {"signing_keys_dir": self.ring.directory, "jwks_file": self.jwks_file}

    def env(self) -> dict[str, str]:
        """The same, as the environment of a service started as a process."""
        return {
            "WARD5S_ASSESSMENT_SIGNING_KEYS_DIR": str(self.ring.directory),
            "WARD5S_JWKS_FILE": str(self.jwks_file),
        }

    def sign(self, principal: Principal, audience: tuple[str, ...] = AUDIENCES) -> str:
        return issue_token(self.key, principal, TEST_TOKEN_TTL, audience)


@functools.cache
def session_keys() -> SessionKeys:
    """The session's key, made at first use in a temporary directory removed at exit."""
    root = Path(tempfile.mkdtemp(prefix="ward5s-test-keys-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return keys_in(root, prefix="test-")


def keys_in(directory: Path, prefix: str = "") -> SessionKeys:
    """A key of its own in ``directory`` (no ``prefix``: one production accepts), with its JWKS
    file beside it: for tests of production stacks and of rotation."""
    ring = KeyRing(directory / "private")
    ring.rotate(prefix=prefix)
    jwks_file = directory / "jwks.json"
    jwks_file.write_text(json.dumps(ring.jwks()), encoding="utf-8")
    return SessionKeys(ring, jwks_file)
