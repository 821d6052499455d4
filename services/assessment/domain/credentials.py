"""People sign in (docs/SECURITY.md, "People sign in"): the rules of passwords, one-time secrets,
refresh tokens and the backoff after failed sign-ins, pure (no I/O, no clock of its own).

Passwords are hashed with argon2id (``argon2-cffi``'s defaults, RFC 9106's second recommended
parameters; the cheapest parameters only in tests: :data:`HASHINGS`); one-time secrets and
refresh tokens are random (``secrets``, 256 bits) and only their SHA-256 is stored, which is
enough for values that cannot be guessed."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from itertools import pairwise

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from services.runtime.refusals import Kind, Refusal

#: NIST SP 800-63B §5.1.1.2 asks for 8 at least; a ward's officials get 10.
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
#: Passwords refused however long they are: the commonest choices, in both languages.
WEAK_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password123",
        "passw0rd",
        "1234567890",
        "0123456789",
        "12345678910",
        "1234567890a",
        "qwertyuiop",
        "qwerty1234",
        "123456789a",
        "abc1234567",
        "abcdefghij",
        "iloveyou123",
        "matkhau123",
        "matkhaumoi",
        "matkhau1234",
        "admin12345",
        "administrator",
        "ward5s12345",
        "5splus12345",
        "changeme123",
        "letmein1234",
        "welcome1234",
        "xinchao123",
        "vietnam123",
        "hochiminh123",
    }
)

#: Failed sign-ins allowed before the backoff starts, its first delay, and its cap.
FREE_FAILURES = 5
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)

#: argon2id's parameters by the setting's name (``WARD5S_ASSESSMENT_PASSWORD_HASHING``): RFC
#: 9106's second recommended set (argon2-cffi's defaults) on every real stack; the cheapest, so
#: the sign-in rules run in milliseconds, only where the settings allow it (never production:
#: ``AssessmentSettings.check_production``).
HASHINGS: Mapping[str, PasswordHasher] = {
    "rfc9106": PasswordHasher(),
    "test": PasswordHasher.from_parameters(profiles.CHEAPEST),
}
DEFAULT_HASHING = "rfc9106"


def hash_password(password: str, hashing: str = DEFAULT_HASHING) -> str:
    """The argon2id hash of ``password`` (a PHC string with its salt and parameters), with the
    parameters :data:`HASHINGS` names ``hashing``."""
    return HASHINGS[hashing].hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from, by the parameters the
    hash carries (False for a damaged hash: it never matches)."""
    try:
        return HASHINGS[DEFAULT_HASHING].verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def decoy_hash(hashing: str) -> str:
    """The hash checked against when an e-mail address has no credential, so a sign-in takes as
    long whether the address exists or not: one per hashing (a name in :data:`HASHINGS`), made
    with its parameters the first time it is asked for (not at import: RFC 9106's parameters
    cost a third of a second, paid by every process that imports the rules otherwise)."""
    return hash_password(secrets.token_urlsafe(16), hashing)


def check_new_password(password: str, email: str | None = None) -> None:
    """A new password is at least ``MIN_PASSWORD_LENGTH`` characters (at most
    ``MAX_PASSWORD_LENGTH``), not one of ``WEAK_PASSWORDS``, not a single character repeated,
    not a run of consecutive digits or letters, and not the person's e-mail address or its
    local part. Errors: 422 ``password_too_short``, ``password_too_long``, ``password_weak``
    (field ``password``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Refusal(Kind.INVALID, "password_too_short", "password", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Refusal(Kind.INVALID, "password_too_long", "password", max=MAX_PASSWORD_LENGTH)
    folded = password.casefold()
    steps = {ord(b) - ord(a) for a, b in pairwise(folded)}
    mail = (email or "").casefold()
    if (
        folded in WEAK_PASSWORDS
        or len(set(folded)) == 1
        or steps in ({1}, {-1})
        or (mail and folded in (mail, mail.split("@")[0]))
    ):
        raise Refusal(Kind.INVALID, "password_weak", "password")


def new_secret() -> str:
    """A random secret for a link or a refresh token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored of a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def email_key(email: str) -> str:
    """The key failures are counted under: the SHA-256 of the address, trimmed and lowercased
    (the address itself is not kept for an unknown one)."""
    return digest(email.strip().casefold())


@dataclass(frozen=True)
class Lifetimes:
    """How long each secret lasts (the settings' ``*_hours`` / ``*_minutes``)."""

    invitation: timedelta = timedelta(hours=72)
    reset: timedelta = timedelta(hours=1)
    access: timedelta = timedelta(minutes=15)
    refresh: timedelta = timedelta(hours=12)
    #: A device's token (checked against revoked credentials on every request).
    device: timedelta = timedelta(days=365)
    #: At most one reset link per person in this time: anyone may ask for a reset by address,
    #: and each request would otherwise send the person another mail.
    reset_interval: timedelta = timedelta(minutes=10)


def backoff(failures: int) -> timedelta:
    """How long sign-in is refused after ``failures`` failures in a row for one address: nothing
    for the first ``FREE_FAILURES - 1``, then ``FIRST_DELAY`` doubling with each further failure,
    at most ``MAX_DELAY``."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** min(failures - FREE_FAILURES, 16), MAX_DELAY)
