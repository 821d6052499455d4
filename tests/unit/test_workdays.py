from __future__ import annotations

from datetime import date

from contracts.periods import Month
from services.runtime.workdays import WorkingCalendar

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
