"""How many examples the long property tests run: their own count in the whole suite, at most
``FAST_EXAMPLES`` in the fast tier (``make test-fast`` passes ``--hypothesis-profile=fast``), so
the rules run in seconds there and the whole suite still searches as hard as before.

Only tests that ask through :func:`examples` run fewer; the others keep Hypothesis's settings
under both profiles (fewer draws would make the filtering health check of the boundary tests
fail by chance)."""

from __future__ import annotations

from hypothesis import settings

FAST = "fast"
FAST_EXAMPLES = 10


def register_profiles() -> None:
    """Declare the fast profile (from the root conftest, before pytest loads a profile)."""
    settings.register_profile(FAST)


def examples(full: int) -> int:
    """``full`` (a test's own count), or at most ``FAST_EXAMPLES`` under the fast profile."""
    if settings.get_current_profile_name() == FAST:
        return min(full, FAST_EXAMPLES)
    return full
