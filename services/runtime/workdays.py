"""The ward's working calendar: Monday to Friday in Asia/Ho_Chi_Minh, minus Vietnamese public
holidays (Tết included, from the maintained ``holidays`` package) and the days off a ward
declares itself; plus the weekend days a ward declares as make-up working days.

Deadlines in the brief are counted in working days: a self-assessment is due by the 3rd working
day of the next month, a review within 3 working days of submission, an audit by the 5th working
day of the next month, and each escalation step waits 2 more working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import holidays
import yaml

from contracts.periods import Month


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year))


class WorkingCalendar:
    def __init__(self, days_off: Iterable[date] = (), working_days: Iterable[date] = ()) -> None:
        self.days_off = frozenset(days_off)
        self.working_days = frozenset(working_days)

    @classmethod
    def from_file(cls, path: Path | None) -> WorkingCalendar:
        """Read a ward's own calendar: ``days_off: [YYYY-MM-DD, …]`` and
        ``working_days: [YYYY-MM-DD, …]`` (make-up Saturdays). No file, no extra days."""
        if path is None or not path.exists():
            return cls()
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(
            (date.fromisoformat(str(d)) for d in raw.get("days_off") or ()),
            (date.fromisoformat(str(d)) for d in raw.get("working_days") or ()),
        )

    def is_holiday(self, day: date) -> bool:
        return day in _public_holidays(day.year) or day in self.days_off

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        return day.weekday() < 5 and not self.is_holiday(day)

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself does not count)."""
        day = start
        remaining = count
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def nth_working_day(self, month: Month, n: int) -> date:
        """The ``n``-th working day of a month (1 = its first working day)."""
        return self.add_working_days(month.first_day() - timedelta(days=1), n)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count
