"""The pure rules: deadlines in working days, the token bucket, reading an org chart CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.common import LOCAL_TZ, Text
from contracts.events import DutyGroup
from contracts.periods import Month
from services.assessment.domain.graders import Seat, grading_refusal
from services.assessment.domain.org import duty_groups
from services.assessment.domain.policy import Policy
from services.assessment.domain.self_assessments import check_review
from services.assessment.entrypoints.org_csv import parse_org_chart
from services.runtime.refusals import Refusal
from services.runtime.workdays import WorkingCalendar


def test_audit_deadline_is_the_fifth_working_day_of_the_next_month() -> None:
    policy = Policy()
    # October 2026: 1 Nov is a Sunday, so Mon 2 .. Fri 6 November.
    assert policy.audit_deadline(Month(2026, 10)) == date(2026, 11, 6)
    # January 2026: Tết 2026 falls in mid-February, 2 Feb is a Monday.
    assert policy.audit_deadline(Month(2026, 1)) == date(2026, 2, 6)
    # A ward day off pushes it one working day later.
    days_off = Policy(calendar=WorkingCalendar(days_off=[date(2026, 11, 3)]))
    assert days_off.audit_deadline(Month(2026, 10)) == date(2026, 11, 9)


def test_months_close_the_day_after_their_last_on_time_review_can_be_done() -> None:
    policy = Policy()
    # October 2026: self-assessments due Wed 4 Nov, reviewed by Mon 9 Nov (Thu 5, Fri 6, Mon 9);
    # audits due Fri 6 Nov. The month closes after Mon 9 November.
    assert policy.close_day(Month(2026, 10)) == date(2026, 11, 9)
    on_close_day = datetime(2026, 11, 9, 23, 0, tzinfo=LOCAL_TZ)
    after = datetime(2026, 11, 10, 0, 1, tzinfo=LOCAL_TZ)
    assert Month(2026, 10) not in policy.months_due_to_close(on_close_day)
    assert policy.months_due_to_close(after) == [Month(2026, 8), Month(2026, 9), Month(2026, 10)]
    # The day is the ward's: 17:30 UTC on the 9th is already the 10th in Vietnam.
    assert Month(2026, 10) in policy.months_due_to_close(datetime(2026, 11, 9, 17, 30, tzinfo=UTC))


def test_corrective_action_due_in_working_days() -> None:
    found = datetime(2026, 11, 20, 10, 0, tzinfo=LOCAL_TZ)  # a Friday
    # Ten working days, skipping two weekends and 24 November (Vietnam Cultural Day).
    assert Policy().corrective_action_due(found) == date(2026, 12, 7)
    assert Policy(corrective_action_working_days=1).corrective_action_due(found) == date(
        2026, 11, 23
    )


HEADER = "person_id,full_name,email,role,unit_id,unit_name_vi,unit_name_en,units_in_charge\n"


def test_org_chart_csv() -> None:
    rows = parse_org_chart(
        HEADER
        + "p1,Nguyễn Văn A,a@x.vn,vice_chairman,vp,Văn phòng,Office,kt;vhxh\n"
        + "p2,Trần Thị B,,staff,kt,Phòng Kinh tế,Economy,\n"
    )
    assert [r.person_id for r in rows] == ["p1", "p2"]
    assert rows[0].units_in_charge == ("kt", "vhxh") and rows[1].email is None
    assert rows[1].unit_name is not None and rows[1].unit_name.vi == "Phòng Kinh tế"


def test_a_duty_group_the_ward_defines_has_one_name() -> None:
    """A group named by id only would show as "mot_cua" on the classification page and in its
    exports: the chart refuses it, and a group named two ways."""
    header = HEADER.rstrip("\n") + ",duty_group,duty_group_name_vi,duty_group_name_en\n"
    with pytest.raises(Refusal) as refused:
        parse_org_chart(header + "p1,A,,staff,vp,V,O,,mot_cua,,\n")
    assert (refused.value.code, refused.value.field) == ("required", "line 2.duty_group_name_vi")
    with pytest.raises(Refusal) as refused:
        parse_org_chart(
            header
            + "p1,A,,staff,vp,V,O,,mot_cua,Bộ phận một cửa,One-stop desk\n"
            + "p2,B,,staff,vp,V,O,,mot_cua,Một cửa,One-stop desk\n"
        )
    assert (refused.value.code, refused.value.field) == (
        "duty_group_name",
        "line 3.duty_group_name_vi",
    )


def test_org_chart_duty_groups_and_employment_types() -> None:
    header = HEADER.rstrip("\n") + ",duty_group,employment_type\n"
    named = (
        HEADER.rstrip("\n") + ",duty_group,duty_group_name_vi,duty_group_name_en,employment_type\n"
    )
    rows = parse_org_chart(
        named
        + "p1,Nguyễn Văn A,,unit_head,kt,Phòng Kinh tế,Economy,,,,,\n"
        + "p2,Trần Thị B,,staff,kt,Phòng Kinh tế,Economy,,mot_cua,Bộ phận một cửa,,nguoi_lao_dong\n"
        + "p3,Lê Văn C,,staff,kt,Phòng Kinh tế,Economy,,,,, cong_chuc \n"
    )
    assert [(r.duty_group, r.employment_type) for r in rows] == [
        (None, "cong_chuc"),
        ("mot_cua", "nguoi_lao_dong"),
        (None, "cong_chuc"),
    ]
    # The group the ward defines has its name (the English one defaults to the Vietnamese).
    assert rows[1].duty_group_name == Text(vi="Bộ phận một cửa", en="Bộ phận một cửa")
    assert duty_groups(rows) == (
        DutyGroup(group_id="mot_cua", name=Text(vi="Bộ phận một cửa", en="Bộ phận một cửa")),
    )
    # A chart without the columns reads as before: groups by role, all công chức.
    plain = parse_org_chart(HEADER + "p1,A,,staff,vp,V,O,\n")
    assert (plain[0].duty_group, plain[0].employment_type) == (None, "cong_chuc")
    with pytest.raises(Refusal) as refused:
        parse_org_chart(header + "p1,A,,staff,vp,V,O,,,cong-chuc\np2,B,,staff,vp,V,O,,,hợp đồng\n")
    assert (refused.value.code, refused.value.field) == (
        "employment_type",
        "line 2.employment_type",
    )
    vi, en = (
        refused.value.body("vi")["error"]["message"],
        refused.value.body("en")["error"]["message"],
    )
    assert "Dòng 2, cột employment_type" in vi and "cong_chuc, nguoi_lao_dong" in vi
    assert "Line 2, column employment_type" in en
    with pytest.raises(Refusal) as refused:
        parse_org_chart(header + "p1,A,,staff,vp,V,O,,một cửa,\n")
    assert (refused.value.code, refused.value.field) == ("bad_format", "line 2.duty_group")


@pytest.mark.parametrize(
    ("text", "code", "field"),
    [
        ("person_id,full_name\np1,A\n", "csv_columns", "csv"),
        (HEADER, "csv_empty", "csv"),
        (HEADER + "p1,A,,boss,vp,V,O,\n", "not_allowed", "line 2.role"),
        (HEADER + "p1,A,,kiosk,vp,V,O,\n", "not_allowed", "line 2.role"),
        (HEADER + "p 1,A,,staff,vp,V,O,\n", "bad_format", "line 2.person_id"),
        (
            HEADER + "p1,A,,staff,vp,V,O,\np1,B,,staff,vp,V,O,\n",
            "duplicate_person",
            "line 3.person_id",
        ),
        (HEADER + "p1,,,staff,vp,V,O,\n", "bad_format", "line 2.full_name"),
        (HEADER + "p1,A,,staff,vp,,,\n", "required", "line 2.unit_name_vi"),
        # Control characters would end up in a mail's headers (issue 17, item 2).
        (
            HEADER + 'p1,"An\r\nBcc: x@evil.example",,staff,vp,V,O,\n',
            "bad_format",
            "line 2.full_name",
        ),
        (HEADER + 'p1,A,"a@x.vn\nBcc: b@x.vn",staff,vp,V,O,\n', "bad_format", "line 2.email"),
        (HEADER + 'p1,A,,staff,vp,"Phòng\rKT",O,\n', "bad_format", "line 2.unit_name_vi"),
        (HEADER + "p1,A\x00n,,staff,vp,V,O,\n", "bad_format", "line 2.full_name"),
        (HEADER + "p1,A\u2028B,,staff,vp,V,O,\n", "bad_format", "line 2.full_name"),
    ],
)
def test_org_chart_csv_refusals(text: str, code: str, field: str) -> None:
    with pytest.raises(Refusal) as refused:
        parse_org_chart(text)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_review_needs_a_reason_to_adjust_or_return() -> None:
    check_review("approved", None, adjusted=False)
    check_review("adjusted", "Điểm P.1 cao", adjusted=True)
    for outcome, reason, adjusted, field in [
        ("returned", None, False, "reason"),
        ("adjusted", " ", True, "reason"),
        ("adjusted", "x", False, "items"),
        ("approved", None, True, "items"),
    ]:
        with pytest.raises(Refusal) as refused:
            check_review(outcome, reason, adjusted)
        assert refused.value.field == field


CHAIRMAN = Seat("p001", "chairman", "vp")
VICE_KT = Seat("p002", "vice_chairman", "vp", ("kt", "vhxh"))
VICE_VP = Seat("p003", "vice_chairman", "vp", ("ttphcc", "dvcu", "vp"))
HEAD_KT = Seat("p010", "unit_head", "kt")
HEAD_VP = Seat("p004", "unit_head", "vp")
STAFF_KT = Seat("p012", "staff", "kt")
AUDITOR_KT = Seat("p011", "auditor", "kt")
SEATS = (CHAIRMAN, VICE_KT, VICE_VP, HEAD_KT, HEAD_VP, STAFF_KT, AUDITOR_KT)


@pytest.mark.parametrize(
    ("person", "graders"),
    [
        (STAFF_KT, {HEAD_KT}),
        (AUDITOR_KT, {HEAD_KT}),
        (HEAD_KT, {VICE_KT, CHAIRMAN}),
        (HEAD_VP, {VICE_VP, CHAIRMAN}),
        (VICE_KT, {CHAIRMAN}),
        (VICE_VP, {CHAIRMAN}),
        (CHAIRMAN, set()),  # assessed above the ward; the HR system records their points
    ],
)
def test_who_grades_whom(person: Seat, graders: set[Seat]) -> None:
    found = {
        seat
        for seat in SEATS
        if grading_refusal(seat, person.person_id, person.role, person.unit_id) is None
    }
    assert found == graders


@given(
    st.sampled_from(SEATS),
    st.sampled_from(["chairman", "vice_chairman", "unit_head", "auditor", "staff", "admin"]),
    st.lists(st.sampled_from(["kt", "vp", "vhxh"]), unique=True).map(tuple),
)
def test_nobody_grades_themself_and_no_seat_grades_nobody(
    seat: Seat, role: str, units: tuple[str, ...]
) -> None:
    me = Seat(seat.person_id, role, seat.unit_id, units)
    assert grading_refusal(me, me.person_id, me.role, me.unit_id) == "own"
    assert grading_refusal(None, seat.person_id, seat.role, seat.unit_id) == "not_grader"
