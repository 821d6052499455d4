"""The ward's working calendar: Monday to Friday in Asia/Ho_Chi_Minh, minus Vietnamese public
holidays (Tết included, from the maintained ``holidays`` package), plus the weekend days the
government swaps into working days (the package's ``weekend_workdays``, e.g. Sat 2025-04-26);
then the ward's own declared days on top: days off, and make-up working days.

The ward's declared days are one fact owned by the assessment service, published as
``assessment.calendar.published``; every service builds its calendar from that event with
``WorkingCalendar.from_contract`` so every deadline, quiet hour and automatic close counts the
same days. The files shipped in ``services/assessment/calendar_files/`` seed it (see
``docs/OPERATIONS.md``).

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

from contracts.events import CalendarDay, CalendarPublishedData
from contracts.periods import Month
from contracts.yamlfile import read_yaml


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year))


@lru_cache(maxsize=64)
def _weekend_workdays(year: int) -> frozenset[date]:
    """Saturdays or Sundays the government made working days in exchange for a bridge day off
    (the ``holidays`` package's ``weekend_workdays``, e.g. 2025-04-26 for Fri 2025-05-02)."""
    calendar = holidays.country_holidays("VN", years=year)
    return frozenset(d for d in getattr(calendar, "weekend_workdays", ()) if d.year == year)


def national_weekend_workday(day: date) -> bool:
    """Whether ``day`` is a weekend day the government made a working day (package data)."""
    return day in _weekend_workdays(day.year)


def national_holiday(day: date) -> bool:
    """Whether ``day`` is a Vietnamese public holiday or substituted day off (package data)."""
    return day in _public_holidays(day.year)


def read_calendar_days(path: Path | None) -> tuple[CalendarDay, ...]:
    """The declared days of a ward calendar file, or of every ``*.yaml`` in a directory.

    A file holds ``days: [{day: YYYY-MM-DD, working: bool, reason: str}, …]``; the older short
    form ``days_off: [YYYY-MM-DD, …]`` / ``working_days: [YYYY-MM-DD, …]`` is read too (no
    reason). No path, or a path that does not exist: no days. Sorted by day; a day declared
    twice keeps its last declaration (files read in name order). Raises ``ValueError`` on a
    malformed file."""
    if path is None or not path.exists():
        return ()
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    by_day: dict[date, CalendarDay] = {}
    for file in files:
        raw = read_yaml(file) or {}
        if not isinstance(raw, dict):
            raise ValueError(f"{file}: expected a mapping with 'days'")
        for d in raw.get("days_off") or ():
            day = date.fromisoformat(str(d))
            by_day[day] = CalendarDay(day=day, working=False)
        for d in raw.get("working_days") or ():
            day = date.fromisoformat(str(d))
            by_day[day] = CalendarDay(day=day, working=True)
        for entry in raw.get("days") or ():
            item = CalendarDay.model_validate(
                {**entry, "day": date.fromisoformat(str(entry["day"]))}
            )
            by_day[item.day] = item
    return tuple(by_day[day] for day in sorted(by_day))


class WorkingCalendar:
    """Which days are worked. ``days_off`` and ``working_days`` are the ward's declarations and
    win over the national rules (a declared day off is off even on a weekday; a declared
    working day is worked even on a weekend or holiday)."""

    def __init__(self, days_off: Iterable[date] = (), working_days: Iterable[date] = ()) -> None:
        self.days_off = frozenset(days_off)
        self.working_days = frozenset(working_days)

    @classmethod
    def from_days(cls, days: Iterable[CalendarDay]) -> WorkingCalendar:
        """A calendar from declared days (``working`` True: a make-up working day)."""
        days = tuple(days)
        return cls(
            (d.day for d in days if not d.working),
            (d.day for d in days if d.working),
        )

    @classmethod
    def from_contract(cls, data: CalendarPublishedData) -> WorkingCalendar:
        """The calendar every service builds from ``assessment.calendar.published``."""
        return cls.from_days(data.days)

    @classmethod
    def from_file(cls, path: Path | None) -> WorkingCalendar:
        """A calendar from a ward calendar file or directory (see ``read_calendar_days``).
        No file, no extra days."""
        return cls.from_days(read_calendar_days(path))

    def is_holiday(self, day: date) -> bool:
        """A public holiday or a declared day off (a weekend is not a holiday)."""
        return day in self.days_off or (day not in self.working_days and national_holiday(day))

    def is_working_day(self, day: date) -> bool:
        if day in self.days_off:
            return False
        if day in self.working_days or national_weekend_workday(day):
            return True
        return day.weekday() < 5 and not national_holiday(day)

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself does not count), or
        ``date.max`` when that day lies beyond it: a contract date may be as late as
        9999-12-31, and a deadline that far is never reached, so clamping loses nothing."""
        day = start
        remaining = count
        while remaining > 0:
            if day == date.max:
                return day
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def nth_working_day(self, month: Month, n: int) -> date:
        """The ``n``-th working day of a month (1 = its first working day). A month after
        9999-12 (the month after a contract's last one) gives ``date.max``; a month before
        0001-01 counts from 0001-01-01, the first day there is."""
        if month.year > date.max.year:
            return date.max
        first = date.min if month.year < date.min.year else month.first_day()
        if first == date.min:
            # The day before 0001-01-01 does not exist: count the first day itself.
            counted = 1 if self.is_working_day(first) else 0
            return first if counted >= n else self.add_working_days(first, n - counted)
        return self.add_working_days(first - timedelta(days=1), n)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkingCalendar):
            return NotImplemented
        return self.days_off == other.days_off and self.working_days == other.working_days

    def __hash__(self) -> int:
        return hash((self.days_off, self.working_days))

    def __repr__(self) -> str:
        off, worked = sorted(self.days_off), sorted(self.working_days)
        return f"WorkingCalendar(days_off={off}, working_days={worked})"
