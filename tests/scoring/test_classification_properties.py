"""Properties of the classification over any ward: the cap on "xuất sắc" is never exceeded in
any duty group, whatever the ties, decisions and quota base, and a disqualified month always
wins."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from services.scoring.adapters.policy_file import default_policy
from services.scoring.domain.classification import Decision, classify, quota_of
from services.scoring.domain.exact import exact
from services.scoring.domain.people import PersonMonth, Standing, assess
from services.scoring.domain.roster import Member
from tests.support.examples import examples

POLICY = default_policy()
POLICIES = {
    base: POLICY.model_copy(update={"quota_base": base}) for base in ("tot_or_better", "tot_only")
}
GROUPS = ("lanh_dao", "chuyen_mon", "ke_toan")
# Few distinct scores, so that ties at the edge are common.
SCORES = st.sampled_from([Fraction(s) for s in (99, 95, 95, 92, 90, 89, 85, 70, 60, 40)])


@st.composite
def wards(draw: st.DrawFn) -> tuple[list[Standing], dict[str, Member], dict[str, Decision], str]:
    size = draw(st.integers(0, 25))
    standings, members = [], {}
    for n in range(size):
        person = f"p{n:02d}"
        points = draw(st.none() | SCORES)
        disqualified = draw(st.booleans()) and draw(st.booleans())
        band = (
            "khong_hoan_thanh"
            if disqualified
            else (None if points is None else POLICY.band_of(points))
        )
        standings.append(Standing(person, "kt", points, band, disqualified, (), ()))
        members[person] = Member(
            "kt",
            draw(st.sampled_from(GROUPS)),
            draw(st.sampled_from(["cong_chuc", "nguoi_lao_dong"])),
        )
    people = [s.person_id for s in standings]
    decisions = {
        group: Decision(group, frozenset(draw(st.lists(st.sampled_from(people), max_size=4))))
        for group in draw(st.lists(st.sampled_from(GROUPS), max_size=3, unique=True))
        if people
    }
    return standings, members, decisions, draw(st.sampled_from(sorted(POLICIES)))


@settings(max_examples=examples(400), deadline=None)
@given(wards())
def test_the_cap_is_never_exceeded_in_any_group(ward: tuple) -> None:
    standings, members, decisions, base = ward
    policy = POLICIES[base]
    result = classify(standings, members, policy, decisions)
    by_id = {c.person_id: c for c in result.people}
    scores = {s.person_id: s for s in standings}
    for group in {m.group for m in members.values()}:
        counted = [
            c for c in result.people if c.counted_in_quota and members[c.person_id].group == group
        ]
        rated = sum(1 for c in counted if scores[c.person_id].band in ("xuat_sac", "tot"))
        quota = quota_of(rated, policy)
        excellent = [c for c in counted if c.band == "xuat_sac"]
        pending = [c for c in counted if c.status == "pending_decision"]
        assert len(excellent) <= quota
        if pending:
            # Whoever the chairman names among them, within the room left, fits the quota;
            # they are tied at the edge, above everyone demoted.
            tie = result.ties[group]
            assert len(excellent) + tie.room <= quota and 0 < tie.room < len(pending)
            edge = {scores[c.person_id].points for c in pending}
            assert len(edge) == 1
            assert all(scores[c.person_id].points > next(iter(edge)) for c in excellent)
        # Those demoted had "xuất sắc" by their score, and none scores above one who kept it.
        for c in counted:
            if c.quota_demoted:
                assert scores[c.person_id].band == "xuat_sac" and c.band == "tot"
                assert all(
                    scores[c.person_id].points <= scores[k.person_id].points for k in excellent
                )
        # The quota is the largest X the policy's reading allows: X ≤ share × base, the base
        # being all rated "tốt" or better, or (tot_only) those left at "tốt", rated − X.
        share = exact(policy.excellent_quota)
        allowed = [
            x <= share * (rated - x if policy.quota_base == "tot_only" else rated)
            for x in (quota, quota + 1)
        ]
        assert allowed == [True, False]
    # Người lao động are never counted, capped or held for the chairman.
    for c in result.people:
        if members[c.person_id].employment_type == "nguoi_lao_dong":
            assert not c.counted_in_quota and not c.quota_demoted
            assert c.band == scores[c.person_id].band
        assert (c.band is None) == (c.income_share is None)
    assert set(by_id) == set(scores)


@settings(max_examples=examples(300), deadline=None)
@given(wards())
def test_those_counted_in_the_quota_are_exactly_its_base(ward: tuple) -> None:
    standings, members, decisions, base = ward
    result = classify(standings, members, POLICIES[base], decisions)
    for quota in result.quotas:
        counted = [
            c
            for c in result.people
            if c.counted_in_quota and members[c.person_id].group == quota.duty_group
        ]
        assert len(counted) == quota.base
    groups = {q.duty_group for q in result.quotas}
    scores = {s.person_id: s for s in standings}
    for c in result.people:
        # Counted: a công chức of a group with a quota, rated "tốt" or better by the score —
        # never someone disqualified, not classified, or a người lao động.
        assert c.counted_in_quota == (
            members[c.person_id].group in groups
            and members[c.person_id].employment_type == "cong_chuc"
            and scores[c.person_id].band in ("xuat_sac", "tot")
        )
        if c.disqualified:
            assert not c.counted_in_quota


MONTHS = ["2026-01", "2026-02", "2026-03"]
PARTS = st.none() | st.fractions(min_value=0, max_value=100, max_denominator=1000)


@st.composite
def months(draw: st.DrawFn) -> dict[str, PersonMonth]:
    found = {}
    for month in MONTHS:
        if draw(st.booleans()):
            task = draw(st.none() | st.fractions(min_value=0, max_value=70, max_denominator=1000))
            found[month] = PersonMonth(
                "p1", "kt", draw(PARTS), draw(PARTS), task, draw(st.booleans())
            )
    return found


@settings(max_examples=examples(300), deadline=None)
@given(months(), st.sampled_from(sorted(POLICIES)))
def test_a_disqualified_month_always_wins(found: dict[str, PersonMonth], base: str) -> None:
    standing = assess("p1", MONTHS, found, POLICY)
    others = [Standing(f"q{i}", "kt", Fraction(95), "xuat_sac", False, (), ()) for i in range(6)]
    (row,) = [
        c for c in classify([standing, *others], {}, POLICIES[base]).people if c.person_id == "p1"
    ]
    if any(m.disqualified for m in found.values()):
        assert row.band == "khong_hoan_thanh" and row.status == "classified"
        assert row.income_share == 0.0 and row.disqualified
    elif len(found) < len(MONTHS) or any(not m.complete for m in found.values()):
        assert row.status == "not_classified" and row.band is None and row.missing
    else:
        scores = [m.points(POLICY) for m in found.values()]
        assert standing.points == sum(s for s in scores if s is not None) / len(MONTHS)
        assert standing.band == POLICY.band_of(standing.points)
