"""How many examples the property tests run: their own count (or Hypothesis's 100) in the whole
suite, at most ``FAST_EXAMPLES`` in the fast tier (``make test-fast`` passes
``--hypothesis-profile=fast``), so the rules run in seconds there and the whole suite still
searches as hard as before.

A test with no settings of its own takes the fast profile's count; a test that sets
``max_examples`` asks through :func:`examples`. Strategies draw valid inputs rather than
filtering most away, so ten draws are ten examples (Hypothesis refuses a test that filters
much, and with few draws it would by chance)."""

from __future__ import annotations

from hypothesis import settings

FAST = "fast"
FAST_EXAMPLES = 10


def register_profiles() -> None:
    """Declare the fast profile (from the root conftest, before pytest loads a profile)."""
    settings.register_profile(FAST, max_examples=FAST_EXAMPLES)


def examples(full: int) -> int:
    """``full`` (a test's own count), or at most ``FAST_EXAMPLES`` under the fast profile."""
    if settings.get_current_profile_name() == FAST:
        return min(full, FAST_EXAMPLES)
    return full
