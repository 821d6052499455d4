"""The ward's working days in every deadline of assessment, with the calendar files shipped:
the government's swapped days, the ward's declarations, and the month's automatic close after
the last on-time review can be done (issue 12, items 9 and 12). Pure, no I/O."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.common import LOCAL_TZ
from contracts.events import CalendarDay
from contracts.periods import Month
from services.assessment.domain.calendar import check_declaration
from services.assessment.domain.policy import Policy
from services.assessment.settings import shipped_policy
from services.runtime.refusals import Refusal
from tests.support.examples import examples

shipped = shipped_policy()


def test_a_self_assessment_submitted_thursday_24_april_2025_is_reviewed_by_monday_28() -> None:
    # Fri 25, Sat 26 (worked in exchange for Fri 2 May), Mon 28 April 2025.
    assert shipped.review_deadline(date(2025, 4, 24)) == date(2025, 4, 28)


def test_december_2025_is_due_on_7_and_9_january_2026() -> None:
    december = Month(2025, 12)
    # 1 January is a holiday, Friday 2 January a swapped day off (12729/VPCP-KGVX).
    assert shipped.self_assessment_deadline(december) == date(2026, 1, 7)
    assert shipped.audit_deadline(december) == date(2026, 1, 9)
    # Reviewed 3 working days after Wed 7: Thu 8, Fri 9, Sat 10 (worked in exchange).
    assert shipped.close_day(december) == date(2026, 1, 10)


def test_january_2026_closes_after_its_reviews_are_due_not_at_the_audit_deadline() -> None:
    january = Month(2026, 1)
    tet = {d for d in holidays.country_holidays("VN", years=2026) if d.month == 2}
    # Tết 2026 is 16-20 February, after January's deadlines.
    assert {date(2026, 2, d) for d in range(16, 21)} <= tet
    assert shipped.audit_deadline(january) == date(2026, 2, 6)
    assert shipped.self_assessment_deadline(january) == date(2026, 2, 4)
    assert shipped.review_deadline(date(2026, 2, 4)) == date(2026, 2, 9)
    assert shipped.close_day(january) == date(2026, 2, 9)
    on_friday = datetime(2026, 2, 7, 9, 0, tzinfo=LOCAL_TZ)
    on_review_day = datetime(2026, 2, 9, 23, 30, tzinfo=LOCAL_TZ)
    after = datetime(2026, 2, 10, 0, 5, tzinfo=LOCAL_TZ)
    assert january not in shipped.months_due_to_close(on_friday)
    assert january not in shipped.months_due_to_close(on_review_day)
    assert january in shipped.months_due_to_close(after)


def test_a_ward_day_off_moves_every_deadline() -> None:
    policy = shipped.with_calendar(
        (*shipped.calendar_seed, CalendarDay(day=date(2026, 2, 5), working=False, reason="x"))
    )
    assert policy.audit_deadline(Month(2026, 1)) == date(2026, 2, 9)
    assert policy.close_day(Month(2026, 1)) == date(2026, 2, 10)


@st.composite
def ward_calendars(draw: st.DrawFn) -> tuple[Month, Policy]:
    """A month and a ward's declarations around its next month: days off on working days,
    make-up working days on weekends."""
    month = Month(draw(st.integers(2024, 2030)), draw(st.integers(1, 12)))
    start = month.shift(1).first_day()
    offsets = draw(st.sets(st.integers(0, 40), max_size=8))
    days = []
    for offset in sorted(offsets):
        day = start + timedelta(days=offset)
        working = day.weekday() >= 5
        days.append(CalendarDay(day=day, working=working, reason="ward"))
    return month, shipped.with_calendar(days)


@settings(max_examples=examples(200), deadline=None)
@given(case=ward_calendars())
def test_the_close_is_never_before_an_on_time_review_is_due(case: tuple[Month, Policy]) -> None:
    month, policy = case
    close = policy.close_day(month)
    assert close >= policy.audit_deadline(month)
    day = month.first_day()
    last_on_time = policy.self_assessment_deadline(month)
    while day <= last_on_time:  # every day a self-assessment is on time, month's days included
        assert policy.review_deadline(day) <= close
        day += timedelta(days=1)


def test_declarations_must_change_the_day() -> None:
    saturday, monday, holiday = date(2026, 12, 12), date(2026, 12, 14), date(2027, 9, 2)
    policy, now = Policy(), datetime(2026, 8, 1, 10, 0, tzinfo=LOCAL_TZ)
    assert check_declaration(saturday, True, " Làm bù ", policy, now).reason == "Làm bù"
    assert check_declaration(monday, False, "Nghỉ bù", policy, now).working is False
    assert check_declaration(holiday, True, "Trực phục vụ bầu cử", policy, now).working is True
    for day, working, reason, code, field in [
        (monday, True, "x", "day_already_working", "working"),
        (saturday, False, "x", "day_already_off", "working"),
        (holiday, False, "x", "day_already_off", "working"),
        # The government's own make-up Saturday is a working day already.
        (date(2026, 8, 22), True, "x", "day_already_working", "working"),
        (monday, False, "  ", "reason_required", "reason"),
        (date(2019, 1, 7), False, "x", "past_day", "day"),
        (date(2028, 1, 4), False, "x", "calendar_year", "day"),
    ]:
        with pytest.raises(Refusal) as refused:
            check_declaration(day, working, reason, policy, now)
        assert (refused.value.code, refused.value.field) == (code, field)
