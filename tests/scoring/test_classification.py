"""Decree 335 bands, the 20% cap on "xuất sắc" and the HCMC income tier, on hand-worked
examples (default policy: bands 90/70/50, cap 20 % of those rated "tốt" or better per duty
group, maximum coefficient 1.8, "tốt" paid 80 %)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from contracts.events import LEADERS_GROUP, SPECIALISTS_GROUP, Classification
from services.scoring.adapters.policy_file import default_policy
from services.scoring.domain.classification import Decision, Result, classify
from services.scoring.domain.exact import exact
from services.scoring.domain.people import PersonMonth, Standing, assess
from services.scoring.domain.roster import Member

POLICY = default_policy()


@pytest.mark.parametrize(
    ("points", "band"),
    [
        (100, "xuat_sac"),
        (90, "xuat_sac"),
        (89.996, "tot"),  # never rounded up into "xuất sắc"
        (89.99, "tot"),
        (70, "tot"),
        (69.99, "hoan_thanh"),
        (50, "hoan_thanh"),
        (49.99, "khong_hoan_thanh"),
        (0, "khong_hoan_thanh"),
    ],
)
def test_bands_follow_the_decree_thresholds(points: float, band: str) -> None:
    assert POLICY.band_of(exact(points)) == band


def test_the_score_is_general_criteria_plus_task_points() -> None:
    # Unit total 80 %, "+" 90 %: 10 × 0.8 + 20 × 0.9 = 26 general points, plus 65 for tasks.
    month = PersonMonth("p1", "kt", Fraction(80), Fraction(90), Fraction(65))
    assert month.points(POLICY) == 91
    assert month.complete
    assert not PersonMonth("p1", "kt", Fraction(80), Fraction(90), None).complete


def test_a_quarter_scores_the_mean_of_its_months_exactly() -> None:
    months = {
        "2026-01": PersonMonth("p1", "kt", Fraction(100), Fraction(100), Fraction(70)),  # 100
        "2026-02": PersonMonth("p1", "kt", Fraction(50), Fraction(50), Fraction(55)),  # 70
        "2026-03": PersonMonth("p1", "kt", Fraction(0), Fraction(100), Fraction(60)),  # 80
    }
    standing = assess("p1", list(months), months, POLICY)
    assert standing.points == Fraction(250, 3)  # 83.33…, kept exact
    assert standing.band == "tot" and not standing.gaps


def test_a_score_of_89_996_is_tot_and_shows_as_90() -> None:
    # "+" 99.98 % → 19.996; unit 100 % → 10; tasks 60: 89.996.
    month = PersonMonth("p1", "kt", Fraction(100), exact("99.98"), Fraction(60))
    standing = assess("p1", ["2026-03"], {"2026-03": month}, POLICY)
    assert standing.points == exact("89.996") and standing.band == "tot"
    (row,) = classify([standing], {}, POLICY).people
    assert row.band == "tot" and row.points == 90.0  # rounded for display only


def standings(*scores: float, group: str = SPECIALISTS_GROUP) -> list[Standing]:
    prefix = "p" if group == SPECIALISTS_GROUP else "h"
    return [
        Standing(f"{prefix}{i:02d}", "kt", exact(s), POLICY.band_of(exact(s)), False, (), ())
        for i, s in enumerate(scores, start=1)
    ]


def by_person(result: Result) -> dict[str, Classification]:
    return {c.person_id: c for c in result.people}


def test_the_cap_keeps_xuat_sac_for_the_highest_fifth_of_those_rated_tot_or_better() -> None:
    # Ten rated "tốt" or better, four of them ≥ 90: 20% of ten is two, so two keep it.
    result = by_person(
        classify(standings(98, 95, 93, 91, 85, 80, 78, 75, 72, 70, 60, 40), {}, POLICY)
    )
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


def test_a_tie_at_the_edge_waits_for_the_chairman_and_is_never_broken_by_id() -> None:
    # Ten rated, quota two; p02 and p03 tie at 92 for the second place.
    scores = (96, 92, 92, 91, 80, 80, 75, 75, 71, 70)
    result = classify(standings(*scores), {}, POLICY)
    rows = by_person(result)
    assert rows["p01"].band == "xuat_sac" and not rows["p01"].tie_at_cap
    for tied in ("p02", "p03"):
        assert rows[tied].status == "pending_decision" and rows[tied].band is None
        assert rows[tied].tie_at_cap and rows[tied].income_share is None
    assert rows["p04"].band == "tot" and rows["p04"].quota_demoted
    (quota,) = result.quotas
    assert (quota.base, quota.quota, quota.excellent, quota.pending) == (10, 2, 1, 2)
    assert result.ties[SPECIALISTS_GROUP].room == 1
    # The same people in another order give the same answer.
    assert classify(list(reversed(standings(*scores))), {}, POLICY).people == result.people

    decided = classify(
        standings(*scores),
        {},
        POLICY,
        {SPECIALISTS_GROUP: Decision(SPECIALISTS_GROUP, frozenset({"p03"}))},
    )
    rows = by_person(decided)
    assert rows["p03"].band == "xuat_sac" and rows["p03"].decided_by_chairman
    assert (
        rows["p02"].band == "tot" and rows["p02"].quota_demoted and rows["p02"].decided_by_chairman
    )
    assert rows["p02"].income_coefficient == 1.44
    # A decision that no longer fits (naming both for one place) is not applied.
    both = Decision(SPECIALISTS_GROUP, frozenset({"p02", "p03"}))
    rows = by_person(classify(standings(*scores), {}, POLICY, {SPECIALISTS_GROUP: both}))
    assert rows["p02"].status == rows["p03"].status == "pending_decision"


def test_fewer_than_five_rated_leaves_no_room_for_xuat_sac() -> None:
    result = by_person(classify(standings(95, 80, 75, 71), {}, POLICY))  # 20% of four: nobody
    assert all(c.band != "xuat_sac" for c in result.values())
    assert result["p01"].quota_demoted


def test_within_the_cap_nobody_is_demoted() -> None:
    result = by_person(classify(standings(95, 85, 80, 80, 75), {}, POLICY))  # quota one
    assert result["p01"].band == "xuat_sac" and not result["p01"].quota_demoted


def test_the_cap_applies_per_duty_group_ten_specialists_and_five_unit_heads() -> None:
    # 10 specialists at 95 and 5 unit heads at 85. Pooled, 20 % of 15 would be 3; per group,
    # 20 % of the 10 specialists is 2 (and the 5 heads, all "tốt", have nobody to cap).
    people = standings(*[95] * 10) + standings(*[85] * 5, group=LEADERS_GROUP)
    members = {s.person_id: Member("kt", LEADERS_GROUP) for s in people if s.person_id[0] == "h"}
    result = classify(people, members, POLICY)
    quotas = {q.duty_group: q for q in result.quotas}
    assert (quotas[SPECIALISTS_GROUP].base, quotas[SPECIALISTS_GROUP].quota) == (10, 2)
    assert (quotas[LEADERS_GROUP].base, quotas[LEADERS_GROUP].quota) == (5, 1)
    # All ten specialists tie at 95 for two places: the chairman names the two.
    assert result.ties[SPECIALISTS_GROUP].room == 2
    assert sum(c.status == "pending_decision" for c in result.people) == 10
    two = Decision(SPECIALISTS_GROUP, frozenset({"p04", "p09"}))
    decided = classify(people, members, POLICY, {SPECIALISTS_GROUP: two})
    excellent = [c.person_id for c in decided.people if c.band == "xuat_sac"]
    assert sorted(excellent) == ["p04", "p09"]
    assert all(c.duty_group == LEADERS_GROUP for c in decided.people if c.person_id[0] == "h")


def test_quota_base_tot_only_counts_those_left_at_tot() -> None:
    # Twelve rated "tốt" or better. tot_or_better: 20 % of 12 → 2. tot_only: X ≤ 20 % of the
    # (12 − X) left at "tốt" → X ≤ 2 (2 ≤ 2.0; 3 > 1.8). Six rated: 1 against 1 (1 ≤ 1.0).
    # Five rated: 1 against 0 (1 > 0.8).
    tot_only = POLICY.model_copy(update={"quota_base": "tot_only"})
    for rated, by_tot_or_better, by_tot_only in ((12, 2, 2), (6, 1, 1), (5, 1, 0), (30, 6, 5)):
        people = standings(*[91 + (i % 7) for i in range(rated)])
        assert classify(people, {}, POLICY).quotas[0].quota == by_tot_or_better
        assert classify(people, {}, tot_only).quotas[0].quota == by_tot_only


def test_nguoi_lao_dong_are_classified_but_neither_counted_nor_capped() -> None:
    people = standings(96, 95, 80, 75, 71)  # quota one among công chức
    workers = {"p02": Member("kt", SPECIALISTS_GROUP, "nguoi_lao_dong")}
    rows = by_person(classify(people, workers, POLICY))
    assert rows["p02"].band == "xuat_sac" and not rows["p02"].counted_in_quota
    assert rows["p02"].employment_type == "nguoi_lao_dong"
    # Four công chức rated: 20 % of four is nobody.
    assert rows["p01"].band == "tot" and rows["p01"].quota_demoted and rows["p01"].counted_in_quota


def test_the_tot_income_is_the_paid_share_under_its_cap() -> None:
    assert POLICY.income.caps["tot"] == 0.8 and POLICY.income.shares["tot"] == 0.8
    paid = POLICY.income.model_copy(update={"shares": {**POLICY.income.shares, "tot": 0.7}})
    seventy = POLICY.model_copy(update={"income": paid})
    (row,) = classify(standings(75), {}, seventy).people
    assert row.income_share == 0.7 and row.income_coefficient == 1.26
    with pytest.raises(ValueError, match="at most its cap"):
        type(POLICY.income).model_validate(
            {**POLICY.income.model_dump(), "shares": {**POLICY.income.shares, "tot": 0.9}}
        )


def test_a_disqualifier_forces_the_lowest_band() -> None:
    months = {"2026-03": PersonMonth("p99", "kt", Fraction(100), Fraction(100), Fraction(68), True)}
    disqualified = assess("p99", ["2026-03"], months, POLICY)
    result = classify([*standings(95, 90, 85, 80, 75), disqualified], {}, POLICY)
    rows = by_person(result)
    assert rows["p99"].band == "khong_hoan_thanh" and rows["p99"].points == 98.0
    assert rows["p99"].income_share == 0.0 and rows["p99"].disqualified
    assert rows["p01"].band == "xuat_sac"
    # Left out of the quota's base, and the flag says so: the five others are the base.
    assert not rows["p99"].counted_in_quota
    (quota,) = result.quotas
    assert quota.base == 5 == sum(1 for row in result.people if row.counted_in_quota)


def test_a_missing_part_leaves_the_month_not_classified() -> None:
    months = {"2026-03": PersonMonth("p1", "kt", Fraction(100), Fraction(100), None)}
    standing = assess("p1", ["2026-03"], months, POLICY)
    assert standing.band is None and standing.missing == ("task_points",)
    (row,) = classify([standing], {}, POLICY).people
    assert row.status == "not_classified" and row.provisional and row.income_share is None
    assert not row.counted_in_quota
