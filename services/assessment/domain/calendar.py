"""The rules of a ward's calendar declarations, with no I/O.

A ward declares a day off on a day that would be worked, or a make-up working day on a day that
would not be (a weekend day, or a public holiday the ward works); anything else changes nothing
and is refused, so every stored declaration means something. Each declaration gives its reason
(the government notice or the ward's decision), shown to officials and kept in the record.
"""

from __future__ import annotations

from datetime import date

from contracts.events import CalendarDay
from services.runtime.errors import ApiError
from services.runtime.workdays import WorkingCalendar

#: Declarations outside these years are refused as mistakes (the holiday data covers them).
FIRST_YEAR, LAST_YEAR = 2020, 2100

_NATIONAL = WorkingCalendar()


def check_declaration(day: date, working: bool, reason: str) -> CalendarDay:
    """The declaration as stored and published. Errors (``ApiError`` 422): ``reason_required``
    (field ``reason``); ``calendar_year`` (``day``) outside ``FIRST_YEAR``-``LAST_YEAR``;
    ``day_already_working`` / ``day_already_off`` (``working``) when the national calendar (Monday
    to Friday, public holidays, the government's make-up weekend days) already has it so."""
    reason = reason.strip()
    if not reason:
        raise ApiError(422, "reason_required", "reason")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ApiError(422, "calendar_year", "day", first=FIRST_YEAR, last=LAST_YEAR)
    if _NATIONAL.is_working_day(day) == working:
        code = "day_already_working" if working else "day_already_off"
        raise ApiError(422, code, "working", day=day.strftime("%d/%m/%Y"))
    return CalendarDay(day=day, working=working, reason=reason)
