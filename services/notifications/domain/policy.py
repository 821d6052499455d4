"""The notifications policy: the numbers the rules work with (pure, no I/O, no clock).

Who is told first and who next is ``domain.rules``; this is the rest of the policy, handed in
by the composition root (``bootstrap.policy_of``) from the settings: how many working days an
alert waits before it goes up, the hours messages may be sent in, when the daily digest goes,
how often an unacknowledged alert is repeated, and the calendar that stands in for a ward until
assessment publishes the ward's own (``assessment.calendar.published``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from services.notifications.domain.schedule import Deadlines, SendWindow
from services.runtime.workdays import WorkingCalendar


@dataclass(frozen=True)
class Policy:
    """The rules' numbers; the days they count are each ward's own calendar (``calendar`` stands
    in until a ward's is published)."""

    calendar: WorkingCalendar
    escalation_days: int
    send_from: time
    send_until: time
    repeat: timedelta
    digest_at: time
    #: The working day after a month, quarter or year by which each unit has reviewed it.
    period_review_day: int = Deadlines.period_review_day
    #: Who receives the period report once a period is finalized: these person ids of the org
    #: chart; none named: the ward committee's leaders, the chairman and the vice-chairmen
    #: (``rules.committee``).
    report_recipients: tuple[str, ...] = ()

    def deadlines(self, calendar: WorkingCalendar) -> Deadlines:
        """The brief's deadlines and the escalation step counted on ``calendar``."""
        return Deadlines(
            calendar,
            escalation_days=self.escalation_days,
            period_review_day=self.period_review_day,
        )

    def window(self, calendar: WorkingCalendar) -> SendWindow:
        """Quiet hours on ``calendar``: the working hours messages may go out in."""
        return SendWindow(calendar, self.send_from, self.send_until)

    def digest(self, chose_digest: bool) -> time | None:
        """The local time of a person's daily digest, or None for one who did not choose it."""
        return self.digest_at if chose_digest else None

    def next_repeat(self, sent_at: datetime, snoozed_until: datetime | None) -> datetime:
        """When an alert whose message went out at ``sent_at`` is sent again if still open: one
        repeat interval later, or when its snooze ends if that is later."""
        repeat_at = sent_at + self.repeat
        return max(repeat_at, snoozed_until) if snoozed_until else repeat_at
