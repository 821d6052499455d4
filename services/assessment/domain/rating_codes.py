"""Single-use rating codes (pure): how a code is written and how it is kept.

A code is 8 characters of an alphabet without look-alikes (no 0/O, 1/I/L), printed as two
groups (``K7MX-4PQR``): 31^8 ≈ 8.5 × 10^11 codes, so guessing one of a unit's few hundred open
codes takes billions of tries (and the devices' limits allow tens an hour). Only its SHA-256
is stored; a citizen may type it in either case, with or without the dash.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


def new_code() -> str:
    """A fresh code, ``XXXX-XXXX``."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{chars[:4]}-{chars[4:]}"


def code_hash(ward: str, code: str) -> str:
    """The stored form of ``code`` in ``ward``: SHA-256 of the ward and the code written
    canonically (upper case, no dash or space)."""
    canonical = code.upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(f"{ward}|{canonical}".encode()).hexdigest()
