"""Campaigns (e.g. "Ngày xanh lần thứ I", launched with the ward's 5S+): a dated checklist of
its own, units audited against it, results kept apart from the monthly 5S figures (pure).

A campaign's result is exact: the sum of the scores over ``SCORE_MAX`` times the number of items
scored (N/A left out), a fraction; it is rounded only for display.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from contracts.catalog import SCORE_MAX, Catalog
from contracts.figures import rounded
from services.runtime.refusals import Kind, Refusal


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    text_vi: str


def checklist(catalog: Catalog, given: Sequence[Mapping[str, str | None]]) -> list[ChecklistItem]:
    """The campaign's items in order: one drawn from the catalogue by ``code`` (its Vietnamese
    text copied, so the campaign keeps it if the catalogue moves on), or written for it
    (``text``, numbered ``C.1``, ``C.2`` ...). Errors: 422 ``unknown_item``
    (``items[i].code``), ``item_text_or_code`` (``items[i]``: exactly one of them)."""
    items, written = [], 0
    for index, entry in enumerate(given):
        code, text = entry.get("code"), entry.get("text")
        if (code is None) == (text is None):
            raise Refusal(Kind.INVALID, "item_text_or_code", f"items[{index}]")
        if code is not None:
            found = catalog.items_of("S1", "S2", "S3", "S4", "S5", "P").get(code)
            if found is None:
                raise Refusal(
                    Kind.INVALID,
                    "unknown_item",
                    f"items[{index}].code",
                    item=code,
                    version=catalog.version,
                )
            items.append(ChecklistItem(code, found.text.vi))
        else:
            written += 1
            items.append(ChecklistItem(f"C.{written}", str(text)))
    if len({item.code for item in items}) != len(items):
        raise Refusal(Kind.INVALID, "duplicate_item", "items", item="")
    return items


def result(scores: Iterable[int | None]) -> Fraction | None:
    """The share of the possible score an audit (or several pooled) achieved: sum of scores
    over ``SCORE_MAX`` × items scored; None when every item was N/A."""
    scored = [s for s in scores if s is not None]
    if not scored:
        return None
    return Fraction(sum(scored), SCORE_MAX * len(scored))


def shown(value: Fraction | None) -> dict[str, Any] | None:
    """A result as an answer carries it: the exact fraction and the percent rounded to 0.1."""
    if value is None:
        return None
    return {
        "numerator": value.numerator,
        "denominator": value.denominator,
        "percent": float(rounded(value * 100)),  # half up from the exact value, once
    }
