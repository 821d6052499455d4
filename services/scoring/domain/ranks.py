"""Ranking by the exact 5S total (pure): the units of a ward (``GET /v1/rankings``, the units
export) and the wards of a city (``GET /v1/wards/rankings``) are ranked by one rule."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any, TypeVar

T = TypeVar("T")


def ranked(entries: Iterable[tuple[Fraction | None, Any, T]]) -> list[tuple[int | None, T]]:
    """``(total, order, item)`` entries best first, each with its place: 1, 2, 3 ...

    The totals are compared exactly (two totals that round alike are still ordered); equal
    totals are listed by ``order`` (an id, or a name's collation key), each with its own place.
    An entry without a total (nothing audited) has no place (None) and comes last, by
    ``order``: there is no figure to rank it by."""
    ordered = sorted(entries, key=lambda e: (e[0] is None, -(e[0] or 0), e[1]))
    return [
        (place if total is not None else None, item)
        for place, (total, _, item) in enumerate(ordered, start=1)
    ]
