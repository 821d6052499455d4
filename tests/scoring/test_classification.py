"""Decree 335 bands, the 20% cap on "xuất sắc" and the HCMC income tier, on hand-worked
examples (default policy 2026.1: bands 90/70/50, cap 20%, maximum coefficient 1.8)."""

from __future__ import annotations

import pytest

from contracts.events import Classification
from services.scoring.domain.people import Candidate, PersonMonth, classify, period_candidate
from services.scoring.domain.policy import default_policy

POLICY = default_policy()


@pytest.mark.parametrize(
    ("points", "band"),
    [
        (100, "xuat_sac"),
        (90, "xuat_sac"),
        (89.99, "tot"),
        (70, "tot"),
        (69.99, "hoan_thanh"),
        (50, "hoan_thanh"),
        (49.99, "khong_hoan_thanh"),
        (0, "khong_hoan_thanh"),
    ],
)
def test_bands_follow_the_decree_thresholds(points: float, band: str) -> None:
    assert POLICY.band_of(points) == band


def test_the_score_is_general_criteria_plus_task_points() -> None:
    # Unit total 80 %, "+" 90 %: 10 × 0.8 + 20 × 0.9 = 26 general points, plus 65 for tasks.
    month = PersonMonth("p1", "kt", 80.0, 90.0, 65.0)
    assert month.points(POLICY) == 91.0
    assert month.complete
    assert not PersonMonth("p1", "kt", 80.0, 90.0, None).complete


def test_a_quarter_scores_the_mean_of_its_months() -> None:
    months = [
        PersonMonth("p1", "kt", 100.0, 100.0, 70.0),  # 100
        PersonMonth("p1", "kt", 50.0, 50.0, 55.0),  # 70
        PersonMonth("p1", "kt", 0.0, 100.0, 60.0),  # 80
    ]
    candidate = period_candidate(months, POLICY)
    assert candidate.points == 83.33
    assert not candidate.provisional


def people(*scores: float) -> list[Candidate]:
    return [Candidate(f"p{i:02d}", "kt", s) for i, s in enumerate(scores, start=1)]


def by_person(candidates: list[Candidate]) -> dict[str, Classification]:
    return {c.person_id: c for c in classify(candidates, POLICY)}


def test_the_cap_keeps_xuat_sac_for_the_highest_fifth_of_those_rated_tot_or_better() -> None:
    # Ten rated "tốt" or better, four of them ≥ 90: 20% of ten is two, so two keep it.
    result = by_person(people(98, 95, 93, 91, 85, 80, 78, 75, 72, 70, 60, 40))
    bands = {p: c.band for p, c in result.items()}
    assert [p for p, b in bands.items() if b == "xuat_sac"] == ["p01", "p02"]
    assert result["p03"].band == "tot" and result["p03"].quota_demoted
    assert result["p04"].quota_demoted
    assert not result["p05"].quota_demoted
    assert bands["p11"] == "hoan_thanh" and bands["p12"] == "khong_hoan_thanh"
    # Income: the maximum for xuất sắc, 80% of it for tốt (demoted or not), nothing below.
    assert result["p01"].income_coefficient == 1.8
    assert result["p03"].income_share == 0.8
    assert result["p03"].income_coefficient == 1.44
    assert result["p11"].income_share == 0.0


def test_a_tie_at_the_cut_is_broken_by_person_id_and_flagged() -> None:
    # Ten eligible, quota two; p02 and p03 tie at 92 for the second place.
    result = by_person(people(96, 92, 92, 91, 80, 80, 75, 75, 71, 70))
    assert result["p02"].band == "xuat_sac" and result["p02"].tie_at_cap
    assert result["p03"].band == "tot" and result["p03"].tie_at_cap
    assert result["p03"].quota_demoted
    assert not result["p01"].tie_at_cap and not result["p04"].tie_at_cap
    # The same people in another order give the same answer.
    assert by_person(list(reversed(people(96, 92, 92, 91, 80, 80, 75, 75, 71, 70)))) == result


def test_fewer_than_five_eligible_leaves_no_room_for_xuat_sac() -> None:
    result = by_person(people(95, 80, 75, 71))  # 20% of four is 0.8: nobody
    assert all(c.band != "xuat_sac" for c in result.values())
    assert result["p01"].quota_demoted


def test_within_the_cap_nobody_is_demoted() -> None:
    result = by_person(people(95, 85, 80, 80, 75))  # one of five ≥ 90, quota one
    assert result["p01"].band == "xuat_sac" and not result["p01"].quota_demoted


def test_a_disqualifier_forces_the_lowest_band() -> None:
    candidates = [*people(95, 90, 85, 80, 75), Candidate("p99", "kt", 99, disqualified=True)]
    result = by_person(candidates)
    assert result["p99"].band == "khong_hoan_thanh"
    assert result["p99"].income_share == 0.0
    assert result["p01"].band == "xuat_sac"


def test_a_missing_task_result_makes_the_classification_provisional() -> None:
    months = [PersonMonth("p1", "kt", 100.0, 100.0, None)]
    assert period_candidate(months, POLICY).provisional
