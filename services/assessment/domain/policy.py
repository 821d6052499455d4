"""Deadlines and limits of the assessment service, counted in the ward's working days.

Every number is configuration (rules change); the defaults follow the programme's practice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from contracts.common import LOCAL_TZ
from contracts.periods import Month
from services.runtime.workdays import WorkingCalendar

#: Each unit is audited by this working day of the next month; the period closes after it.
AUDIT_DEADLINE_WORKING_DAY = 5


@dataclass(frozen=True)
class Policy:
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    #: A corrective action is due this many working days after the audit that found it.
    corrective_action_working_days: int = 10
    #: A kiosk or QR link may send this many ratings at once, then one every ``refill_s``.
    feedback_burst: int = 10
    feedback_refill_s: float = 6.0
    #: How many past months the automatic close looks at (a service down longer than this
    #: leaves older months for an administrator to close).
    auto_close_lookback_months: int = 3

    def audit_deadline(self, month: Month) -> date:
        return self.calendar.nth_working_day(month.shift(1), AUDIT_DEADLINE_WORKING_DAY)

    def corrective_action_due(self, found_at: datetime) -> date:
        return self.calendar.add_working_days(
            found_at.astimezone(LOCAL_TZ).date(), self.corrective_action_working_days
        )

    def months_due_to_close(self, now: datetime) -> list[Month]:
        """Past months whose audit deadline is over (the deadline day itself still counts)."""
        today = now.astimezone(LOCAL_TZ).date()
        current = Month.of(now)
        candidates = [
            current.shift(-back) for back in range(self.auto_close_lookback_months, 0, -1)
        ]
        return [month for month in candidates if today > self.audit_deadline(month)]
