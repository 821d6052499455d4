"""The rules of a ward's calendar declarations, with no I/O.

A ward declares a day off on a day that would be worked, or a make-up working day on a day that
would not be (a weekend day, or a public holiday the ward works); anything else changes nothing
and is refused, so every stored declaration means something. Each declaration gives its reason
(the government notice or the ward's decision), shown to officials and kept in the record.
"""

from __future__ import annotations

from datetime import date, datetime

from contracts.events import CalendarDay
from services.assessment.domain.policy import Policy
from services.assessment.domain.window import check_calendar_day
from services.runtime.refusals import Kind, Refusal
from services.runtime.workdays import WorkingCalendar

_NATIONAL = WorkingCalendar()


def check_declaration(
    day: date, working: bool, reason: str, policy: Policy, now: datetime
) -> CalendarDay:
    """The declaration as stored and published, made at ``now``. Errors (``Refusal``, invalid):
    ``reason_required`` (field ``reason``); ``past_day`` / ``calendar_year`` (``day``) outside
    the calendar's window (``window.check_calendar_day``: today to the end of next year);
    ``day_already_working`` / ``day_already_off`` (``working``) when the national calendar (Monday
    to Friday, public holidays, the government's make-up weekend days) already has it so."""
    reason = reason.strip()
    if not reason:
        raise Refusal(Kind.INVALID, "reason_required", "reason")
    check_calendar_day(day, policy, now)
    if _NATIONAL.is_working_day(day) == working:
        code = "day_already_working" if working else "day_already_off"
        raise Refusal(Kind.INVALID, code, "working", day=day.strftime("%d/%m/%Y"))
    return CalendarDay(day=day, working=working, reason=reason)
