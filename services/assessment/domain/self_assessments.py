"""The "+" self-assessment (tự đánh giá) and its review, with no I/O (who reviews whom:
``domain/graders.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contracts.catalog import Catalog
from contracts.events import ScoredItem
from services.assessment.domain.audits import match_items
from services.runtime.refusals import Kind, Refusal

OUTCOMES = ("approved", "adjusted", "returned")


@dataclass(frozen=True)
class PlusScore:
    code: str
    score: int | None


def score_plus_items(catalog: Catalog, items: Sequence[PlusScore]) -> tuple[ScoredItem, ...]:
    """Every "+" item of the catalogue scored exactly once, in catalogue order."""
    expected = catalog.plus_items
    seen = match_items(expected, items, catalog.version)
    return tuple(
        ScoredItem(code=code, pillar="P", weight=definition.weight, score=seen[code].score)
        for code, definition in expected.items()
    )


def check_review(outcome: str, reason: str | None, adjusted: bool) -> None:
    if outcome in ("adjusted", "returned") and not (reason and reason.strip()):
        raise Refusal(Kind.INVALID, "reason_required", "reason")
    if outcome == "adjusted" and not adjusted:
        raise Refusal(Kind.INVALID, "items_required", "items")
    if outcome != "adjusted" and adjusted:
        raise Refusal(Kind.INVALID, "items_not_expected", "items")
