"""Ranking by the exact 5S total (services/scoring/domain/ranks.py): exact comparison, equal
totals by their order, no rank without a total."""

from __future__ import annotations

from fractions import Fraction

from services.scoring.domain.ranks import ranked


def test_equal_exact_totals_are_listed_by_their_order() -> None:
    entries = [
        (Fraction(600, 13), "vp", "vp"),
        (Fraction(1200, 26), "kt", "kt"),  # the same total, written otherwise
        (Fraction(40), "vhxh", "vhxh"),
    ]
    assert ranked(entries) == [(1, "kt"), (2, "vp"), (3, "vhxh")]


def test_totals_that_round_alike_are_still_ordered_exactly() -> None:
    # 46.15384... and 46.15 both read "46,2": the larger is ahead, alone.
    entries = [(Fraction(4615, 100), "a", "a"), (Fraction(600, 13), "b", "b")]
    assert ranked(entries) == [(1, "b"), (2, "a")]


def test_a_unit_without_a_total_has_no_rank_and_comes_last_by_its_order() -> None:
    entries = [
        (None, "b", "b"),
        (Fraction(50), "c", "c"),
        (None, "a", "a"),
        (Fraction(0), "d", "d"),
    ]
    assert ranked(entries) == [(1, "c"), (2, "d"), (None, "a"), (None, "b")]
