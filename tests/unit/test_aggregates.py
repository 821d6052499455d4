from __future__ import annotations

from fractions import Fraction

from contracts.events import ScoredItem
from services.scoring.domain.aggregates import PillarSums, contribution, total_percent


def item(code: str, score: int | None, weight: float = 1.0) -> ScoredItem:
    return ScoredItem(code=code, pillar=code.split(".")[0], weight=weight, score=score)


def test_na_items_leave_both_sides_of_the_fraction() -> None:
    sums = contribution([item("S1.1", 4), item("S1.2", 2), item("S1.3", None)])
    assert sums["S1"] == PillarSums(points=6000, max_points=8000, scored=2, not_applicable=1)
    assert sums["S1"].percent == 75.0


def test_weights_multiply() -> None:
    sums = contribution([item("S2.1", 4, weight=2), item("S2.2", 0)])
    assert sums["S2"].percent == Fraction(100 * 8, 12)  # exactly 66 2/3, no float in between


def test_total_is_the_mean_of_scored_pillars() -> None:
    sums = contribution([item("S1.1", 4), item("S2.1", 2), item("S3.1", None)])
    assert total_percent(sums) == 75.0  # S3 has no scored item and does not count


def test_the_total_is_exact_and_weighted_by_the_policy_as_written() -> None:
    # Pillars at 1/3 and 2/3 of their maximum, weighed 0.1 and 0.2 (as a policy writes them):
    # (0.1 · 100/3 + 0.2 · 200/3) / 0.3 = 500/9, with no float rounding on the way.
    sums = contribution([item("S1.1", 4), item("S1.2", 0), item("S1.3", 0)])
    sums |= contribution([item("S2.1", 4), item("S2.2", 4), item("S2.3", 0)])
    assert total_percent(sums, {"S1": 0.1, "S2": 0.2}) == Fraction(500, 9)
    assert total_percent(sums, {"S1": 0, "S2": 0}) is None  # nothing to weigh


def test_retracting_a_contribution_restores_exactly() -> None:
    before = contribution([item("S1.1", 3, weight=1.7)])["S1"]
    extra = contribution([item("S1.1", 1, weight=0.3)])["S1"]
    assert before + extra - extra == before
