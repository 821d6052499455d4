from __future__ import annotations

from datetime import date

from contracts.events import CalendarDay, CalendarPublishedData
from contracts.periods import Month
from services.assessment.settings import SHIPPED_CALENDAR_DIR
from services.runtime.workdays import WorkingCalendar, read_calendar_days

calendar = WorkingCalendar()


def test_tet_2026_is_not_worked() -> None:
    # Tết Bính Ngọ: Mon 16 Feb to Fri 20 Feb 2026 are public holidays.
    for day in range(16, 21):
        assert not calendar.is_working_day(date(2026, 2, day))
    # Due by the 3rd working day of February 2026: Mon 2, Tue 3, Wed 4.
    assert calendar.nth_working_day(Month(2026, 2), 3) == date(2026, 2, 4)
    # Two working days after Fri 13 Feb skip the whole Tết week.
    assert calendar.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_weekends_and_national_day() -> None:
    # 1 and 2 Sep 2026 are National Day holidays; 31 Aug is a substituted day off.
    assert calendar.nth_working_day(Month(2026, 9), 1) == date(2026, 9, 3)
    assert not calendar.is_working_day(date(2026, 11, 28))  # a Saturday


def test_ward_declared_days(tmp_path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text("days_off: [2026-12-07]\nworking_days: [2026-12-12]\n", encoding="utf-8")
    ward = WorkingCalendar.from_file(path)
    assert not ward.is_working_day(date(2026, 12, 7))
    assert ward.is_working_day(date(2026, 12, 12))  # a make-up Saturday
    assert ward.working_days_between(date(2026, 12, 4), date(2026, 12, 14)) == 6


shipped = WorkingCalendar.from_file(SHIPPED_CALENDAR_DIR)


def test_weekend_workdays_of_the_holidays_package_are_worked() -> None:
    # Sat 2025-04-26 was worked in exchange for Fri 2025-05-02 off (package data).
    assert calendar.is_working_day(date(2025, 4, 26))
    assert not calendar.is_working_day(date(2025, 5, 2))
    assert calendar.is_working_day(date(2026, 8, 22))
    assert not calendar.is_working_day(date(2026, 8, 31))


def test_review_of_a_self_assessment_submitted_thursday_2025_04_24() -> None:
    # 3 working days: Fri 25, Sat 26 (worked), Mon 28 April 2025.
    assert shipped.add_working_days(date(2025, 4, 24), 3) == date(2025, 4, 28)
    assert calendar.add_working_days(date(2025, 4, 24), 3) == date(2025, 4, 28)


def test_december_2025_deadlines_with_the_shipped_calendar() -> None:
    # 1 Jan 2026 is a holiday and Fri 2 Jan a swapped day off: Mon 5, Tue 6, Wed 7, Thu 8, Fri 9.
    assert not shipped.is_working_day(date(2026, 1, 2))
    assert shipped.nth_working_day(Month(2026, 1), 3) == date(2026, 1, 7)  # self-assessments
    assert shipped.nth_working_day(Month(2026, 1), 5) == date(2026, 1, 9)  # audits
    # Sat 10 Jan 2026 is worked (VPCP 12729/VPCP-KGVX): the 6th working day.
    assert shipped.is_working_day(date(2026, 1, 10))
    assert shipped.nth_working_day(Month(2026, 1), 6) == date(2026, 1, 10)


def test_shipped_files_give_every_day_a_reason() -> None:
    days = read_calendar_days(SHIPPED_CALENDAR_DIR)
    assert {(d.day, d.working) for d in days} >= {
        (date(2025, 4, 26), True),
        (date(2026, 1, 2), False),
        (date(2026, 1, 10), True),
        (date(2026, 8, 22), True),
    }
    assert all(d.reason for d in days)


def test_calendar_from_the_published_event() -> None:
    data = CalendarPublishedData(
        version=3,
        days=(
            CalendarDay(day=date(2026, 12, 7), working=False, reason="Ngày nghỉ của phường"),
            CalendarDay(day=date(2026, 12, 12), working=True, reason="Làm bù"),
        ),
    )
    ward = WorkingCalendar.from_contract(data)
    assert ward == WorkingCalendar(days_off=[date(2026, 12, 7)], working_days=[date(2026, 12, 12)])
    assert not ward.is_working_day(date(2026, 12, 7))
    assert ward.is_working_day(date(2026, 12, 12))
