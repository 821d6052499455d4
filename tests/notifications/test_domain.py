"""The pure rules, without I/O: deadlines and quiet hours on the working calendar, routing up
the org chart, the grouped e-mail, and signed links."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.common import LOCAL_TZ, Text
from contracts.periods import Month
from services.notifications.domain import links, low_scores, obligations, rules
from services.notifications.domain.mail import MailItem, compose
from services.notifications.domain.obligations import Record
from services.notifications.domain.schedule import (
    END_OF_TIME,
    Deadlines,
    SendWindow,
    at_local,
    backoff,
    local_day,
)
from services.runtime.workdays import WorkingCalendar
from tests.notifications.harness import PEOPLE

calendar = WorkingCalendar()
deadlines = Deadlines(calendar)
window = SendWindow(calendar)


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def test_deadlines_count_working_days_and_are_missed_the_next_day() -> None:
    # January's self-assessments: due Wed 4 Feb 2026, missed from Thu 5 Feb 00:00 local.
    assert deadlines.self_assessment_missed(Month(2026, 1)) == vn(2026, 2, 5)
    # Audits by the 5th working day: Fri 6 Feb, so missed on Saturday.
    assert deadlines.audit_missed(Month(2026, 1)) == vn(2026, 2, 7)
    # A review of a Friday-afternoon submission: Mon, Tue, Wed; missed on Thursday.
    assert deadlines.review_missed(vn(2026, 3, 6, 16)) == vn(2026, 3, 12)
    assert deadlines.action_missed(date(2026, 3, 10)) == vn(2026, 3, 11)
    assert deadlines.self_assessment_missed(Month(2026, 1)).tzinfo is UTC


def test_escalation_skips_tet() -> None:
    # Told Friday 13 Feb 2026: the Tết week (16–20) does not count; Mon 23, Tue 24 do.
    assert deadlines.escalation_at(vn(2026, 2, 13, 7)) == vn(2026, 2, 25)
    # A naive count of calendar days would have escalated during Tết.
    assert deadlines.escalation_at(vn(2026, 2, 13, 7)) > vn(2026, 2, 15) + timedelta(days=2)
    # Tết 2027 (Đinh Mùi, from 5 Feb 2027): told Thu 4 Feb goes up well after the holiday.
    assert not calendar.is_working_day(date(2027, 2, 8))
    assert deadlines.escalation_at(vn(2027, 2, 4, 9)) > vn(2027, 2, 10)


@pytest.mark.parametrize(
    ("made", "critical", "expected"),
    [
        (vn(2026, 3, 10, 9), False, vn(2026, 3, 10, 9)),  # Tuesday morning: at once
        (vn(2026, 3, 10, 17, 30), False, vn(2026, 3, 11, 7)),  # closing time: next morning
        (vn(2026, 3, 10, 6, 59), False, vn(2026, 3, 10, 7)),  # before opening: at 07:00
        (vn(2026, 3, 13, 18), False, vn(2026, 3, 16, 7)),  # Friday evening: Monday
        (vn(2026, 2, 13, 18), False, vn(2026, 2, 23, 7)),  # before Tết: after it
        (vn(2026, 3, 14, 3), True, vn(2026, 3, 14, 3)),  # critical: even on Saturday night
    ],
)
def test_quiet_hours(made: datetime, critical: bool, expected: datetime) -> None:
    assert window.send_at(made, critical=critical, digest_at=None) == expected


def test_digest_goes_at_its_hour_on_the_next_working_day() -> None:
    assert window.send_at(vn(2026, 3, 10, 9), critical=False, digest_at=time(7, 30)) == vn(
        2026, 3, 11, 7, 30
    )
    assert window.send_at(vn(2026, 3, 10, 6), critical=False, digest_at=time(7, 30)) == vn(
        2026, 3, 10, 7, 30
    )


def test_backoff_doubles_up_to_a_cap() -> None:
    assert [backoff(n, 5, 60).total_seconds() for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 40, 60]


def test_routing_up_the_chain() -> None:
    people = list(PEOPLE)
    ids = lambda pairs: [(level, p.person_id) for level, p in pairs]  # noqa: E731
    review = rules.route(rules.REVIEW_OVERDUE, "kt", people)
    assert ids(review.initial()) == [(0, "p010")]
    assert ids(review.above(0)) == [(1, "p002")]
    assert ids(review.above(1)) == [(2, "p001")] and review.is_top(2)
    missing = rules.route(rules.SELF_ASSESSMENT_MISSING, "kt", people, "p013")
    assert ids(missing.initial()) == [(0, "p013")] and ids(missing.above(0)) == [(1, "p010")]
    audit = rules.route(rules.AUDIT_MISSING, "kt", people)
    assert ids(audit.initial()) == [(0, "p006"), (1, "p002")]
    total = rules.route("low_score.total", "kt", people)
    assert ids(total.initial()) == [(0, "p010"), (1, "p002")]
    # A unit with no head and no vice-chairman in charge: straight to the chairman.
    office = rules.route(rules.REVIEW_OVERDUE, "vp", people)
    assert ids(office.initial()) == [(2, "p001")]
    assert [p.person_id for p in rules.expected_self_assessors(people)] == [
        "p006",
        "p010",
        "p012",
        "p013",
    ]


def test_one_mail_groups_alerts_and_notices() -> None:
    items = [
        MailItem(
            Text(vi="Quá hạn duyệt", en="Review overdue"),
            Text(vi="Nội dung <b>", en="Body"),
            ack_url="http://x/v1/links/a",
            snooze_url="http://x/v1/links/s",
        ),
        MailItem(Text(vi="Điểm 5S thấp", en="Low 5S"), Text(vi="Đã ổn", en="Fine"), resolved=True),
    ]
    mail = compose("Hồ Văn Phúc", items)
    assert mail.subject == "[5S+] 1 cảnh báo, 1 thông báo đã khắc phục"
    assert mail.text.index("1. Quá hạn duyệt") < mail.text.index("2. Đã khắc phục: Điểm 5S thấp")
    assert "Xác nhận đã nhận: http://x/v1/links/a" in mail.text
    assert "-- English --" in mail.text and "Resolved: Low 5S" in mail.text
    assert "Nội dung &lt;b&gt;" in mail.html and '<a href="http://x/v1/links/s">' in mail.html


def test_links_are_signed_and_expire() -> None:
    now = datetime(2026, 3, 10, tzinfo=UTC)
    token = links.sign(
        "s" * 32, "8d3c9a52-5d0e-4ac2-9a3e-0e3f0b1c2d3e", "ack", now, timedelta(hours=1)
    )
    action = links.verify("s" * 32, token, now + timedelta(minutes=59))
    assert action.action == "ack" and str(action.alert_id).startswith("8d3c9a52")
    with pytest.raises(links.InvalidLink):
        links.verify("s" * 32, token, now + timedelta(hours=2))
    with pytest.raises(links.InvalidLink):
        links.verify("t" * 32, token, now)


# --- the ward's calendar (issue 12, item 9) ---------------------------------------------------

#: The ward's declared days as assessment publishes them for 2025-2026: 2025-04-26 worked
#: (for the 2 May 2025 bridge), 2026-01-02 off and Saturday 2026-01-10 worked (VPCP notice
#: 12729/VPCP-KGVX), Saturday 2026-08-22 worked.
ward = WorkingCalendar(
    days_off=[date(2026, 1, 2)],
    working_days=[date(2025, 4, 26), date(2026, 1, 10), date(2026, 8, 22)],
)


def test_deadlines_count_the_ward_calendar() -> None:
    on_ward = Deadlines(ward)
    # Submitted Thu 24/04/2025: Fri 25, Sat 26 (worked), Mon 28; missed from Tue 29.
    assert on_ward.review_due(date(2025, 4, 24)) == date(2025, 4, 28)
    assert on_ward.review_missed(vn(2025, 4, 24, 10)) == vn(2025, 4, 29)
    # December 2025: 1 Jan a holiday, 2 Jan off, then Mon 5, Tue 6, Wed 7 (3rd), Thu 8, Fri 9.
    assert on_ward.due_day(rules.SELF_ASSESSMENT_MISSING, "2025-12", {}) == date(2026, 1, 7)
    assert on_ward.due_day(rules.AUDIT_MISSING, "2025-12", {}) == date(2026, 1, 9)
    assert on_ward.self_assessment_missed(Month(2025, 12)) == vn(2026, 1, 8)
    # Without the ward's day off the same month falls a day earlier.
    assert deadlines.due_day(rules.SELF_ASSESSMENT_MISSING, "2025-12", {}) == date(2026, 1, 6)
    assert deadlines.due_day(rules.AUDIT_MISSING, "2025-12", {}) == date(2026, 1, 8)
    # A review counts from its submission, an action is due on its day.
    assert on_ward.due_day(rules.REVIEW_OVERDUE, "2025-04", {"submitted_on": "2025-04-24"}) == (
        date(2025, 4, 28)
    )
    assert on_ward.due_day(rules.ACTION_OVERDUE, "", {"due_on": "2026-03-10"}) == date(2026, 3, 10)


def test_quiet_hours_follow_the_ward_calendar() -> None:
    on_ward = SendWindow(ward)
    # Friday evening 09/01/2026: the ward works Saturday 10, so a held message goes then.
    assert on_ward.send_at(vn(2026, 1, 9, 18), critical=False, digest_at=None) == vn(2026, 1, 10, 7)
    # Thursday evening 01/01/2026 (a holiday): Friday 2 is off too, so Saturday 3 is not worked
    # either; the message waits for Monday 5.
    assert on_ward.send_at(vn(2026, 1, 1, 18), critical=False, digest_at=None) == vn(2026, 1, 5, 7)


# --- what is true now (issue 12, item 10) -----------------------------------------------------


def _self_assessment(status: str, revision: int, reviewed: bool, hour: int) -> Record:
    return Record(
        kind=obligations.SELF_ASSESSMENT,
        record_id=obligations.self_assessment_key("p012", "2026-03"),
        subject_id="p012",
        period="2026-03",
        unit_id="kt",
        status=status,
        revision=obligations.self_assessment_order(revision, reviewed),
        as_of=vn(2026, 3, 30, hour),
        details={"submitted_on": "2026-03-30"},
    )


#: A self-assessment submitted, returned, submitted again and approved.
HISTORY = (
    _self_assessment("submitted", 1, False, 8),
    _self_assessment("returned", 1, True, 9),
    _self_assessment("submitted", 2, False, 10),
    _self_assessment("approved", 2, True, 11),
)


def kept(events: list[Record]) -> Record | None:
    """What the service keeps after these events, in this order."""
    state: Record | None = None
    for record in events:
        if record.supersedes(state):
            state = record
    return state


@given(st.lists(st.sampled_from(range(len(HISTORY))), min_size=1, max_size=8))
def test_the_newest_state_wins_whatever_order_events_arrive_in(order: list[int]) -> None:
    # Redelivered, late or out of order: the state kept is the newest of those seen.
    assert kept([HISTORY[i] for i in order]) == HISTORY[max(order)]


def test_obligations_follow_the_current_state() -> None:
    def owed(record: Record) -> dict[str, bool]:
        return {o.rule: o.owed for o in obligations.self_assessment_obligations(record)}

    missing, review = rules.SELF_ASSESSMENT_MISSING, rules.REVIEW_OVERDUE
    assert owed(HISTORY[0]) == {missing: False, review: True}
    assert owed(HISTORY[1]) == {missing: True, review: False}  # returned: submit again
    assert owed(HISTORY[2]) == {missing: False, review: True}
    assert owed(HISTORY[3]) == {missing: False, review: False}
    assert obligations.audit_obligation("kt", "2026-03", live_audits=0).owed
    assert not obligations.audit_obligation("kt", "2026-03", live_audits=1).owed


def test_an_action_closed_before_its_opening_arrived_is_met() -> None:
    closed = Record(
        kind=obligations.ACTION,
        record_id="a1",
        subject_id="a1",
        period="",
        unit_id="kt",
        status=obligations.CLOSED,
        revision=0,
        as_of=vn(2026, 3, 11, 9),
    )
    assert not obligations.action_obligation(closed).owed
    reopened = replace(
        closed,
        status=obligations.OPEN,
        as_of=vn(2026, 3, 12, 9),
        details={"due_on": "2026-03-17", "item_code": "S1.01", "owner_id": "p012"},
    )
    action = obligations.action_obligation(reopened)
    assert action.owed and action.person_id == "p012"
    assert action.basis["period"] == "2026-03" and reopened.supersedes(closed)


@pytest.mark.parametrize(
    ("value", "threshold", "vi", "en"),
    [
        (42.5, 60, "42,5", "42.5"),
        (66.66666666666667, 80, "66,7", "66.7"),
        (59.96, 60, "59,96", "59.96"),
        (79.99999999, 80, "79,999", "79.999"),
    ],
)
def test_a_figure_under_its_threshold_never_reads_as_the_threshold(
    value: float, threshold: float, vi: str, en: str
) -> None:
    assert low_scores.below_threshold(value, threshold, "vi") == (vi, f"{threshold},0")
    assert low_scores.below_threshold(value, threshold, "en") == (en, f"{threshold}.0")


@given(
    st.decimals(min_value=0, max_value=100, places=6, allow_nan=False),
    st.integers(min_value=1, max_value=100),
)
def test_a_figure_shown_under_its_threshold_reads_lower(value: object, threshold: int) -> None:
    figure = float(str(value))
    if figure >= threshold:
        return
    shown, _ = low_scores.below_threshold(figure, threshold, "en")
    assert float(shown) < threshold


# --- every deadline is total over the contracts' dates (0001-01-01 .. 9999-12-31) ----------------


def test_a_deadline_on_the_last_day_there_is_is_never_missed() -> None:
    # A corrective action due 9999-12-31 has no "next day": it is missed at the last moment
    # there is, which no clock reaches, instead of raising OverflowError.
    never = deadlines.action_missed(date(9999, 12, 31))
    assert never == END_OF_TIME
    assert never.astimezone(LOCAL_TZ) == datetime.combine(date.max, time.max, tzinfo=LOCAL_TZ)
    assert local_day(never + timedelta(hours=1)) == date.max


def test_working_day_stepping_stops_at_the_last_day_there_is() -> None:
    # Fri 9999-12-31 is the last working day; nothing after it is, so it clamps there.
    assert calendar.add_working_days(date(9999, 12, 29), 2) == date(9999, 12, 31)
    assert calendar.add_working_days(date(9999, 12, 30), 3) == date.max
    assert deadlines.review_missed(vn(9999, 12, 30, 9)) == END_OF_TIME
    assert deadlines.escalation_at(vn(9999, 12, 31, 9)) == END_OF_TIME
    # December 9999's self-assessments and audits fall in a month that does not exist.
    assert deadlines.self_assessment_missed(Month(9999, 12)) == END_OF_TIME
    assert deadlines.due_day(rules.AUDIT_MISSING, "9999-12", {}) == date.max
    # A message held on the last evening waits for the last working day's opening, if any.
    assert window.next_opening(vn(9999, 12, 31, 18)) == at_local(date.max, time(7, 0))
    # The other end: a month before 0001-01 counts from 0001-01-01, a Monday (no holiday data
    # reaches that far back), which has no day before it either.
    assert calendar.nth_working_day(Month(0, 12), 1) == date(1, 1, 1)
    assert calendar.nth_working_day(Month(1, 1), 2) == date(1, 1, 2)
    assert deadlines.self_assessment_missed(Month(0, 12)) == vn(1, 1, 4)


@given(st.dates(min_value=date(9999, 11, 1)), st.integers(min_value=0, max_value=60))
def test_every_deadline_near_the_last_day_is_a_moment(day: date, count: int) -> None:
    due = calendar.add_working_days(day, count)
    assert day <= due <= date.max
    assert deadlines.action_missed(due) <= END_OF_TIME
    assert deadlines.review_missed(at_local(day, time(23, 59))) <= END_OF_TIME
    assert deadlines.escalation_at(at_local(day, time(12))) <= END_OF_TIME
