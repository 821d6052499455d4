"""The "+" self-assessment (tự đánh giá) and its review by the unit head, with no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contracts.catalog import Catalog
from contracts.events import ScoredItem
from contracts.roles import Role
from services.assessment.domain.audits import match_items
from services.runtime.auth import Principal
from services.runtime.errors import ApiError

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


def check_reviewer(reviewer: Principal, person_id: str, unit_id: str, person_role: str) -> None:
    """The person's unit head reviews; a unit head's own is reviewed by the vice-chairman in
    charge of the unit or by the chairman. Nobody reviews themself."""
    if reviewer.subject_id == person_id:
        raise ApiError(403, "own_review")
    if person_role == Role.UNIT_HEAD.value:
        allowed = reviewer.role is Role.CHAIRMAN or (
            reviewer.role is Role.VICE_CHAIRMAN and unit_id in reviewer.units_in_charge
        )
    else:
        allowed = reviewer.role is Role.UNIT_HEAD and reviewer.unit_id == unit_id
    if not allowed:
        raise ApiError(403, "not_reviewer")


def check_review(outcome: str, reason: str | None, adjusted: bool) -> None:
    if outcome in ("adjusted", "returned") and not (reason and reason.strip()):
        raise ApiError(422, "reason_required", "reason")
    if outcome == "adjusted" and not adjusted:
        raise ApiError(422, "items_required", "items")
    if outcome != "adjusted" and adjusted:
        raise ApiError(422, "items_not_expected", "items")
