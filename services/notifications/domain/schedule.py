"""When things happen, against the ward's working calendar (pure, no I/O).

All times are aware datetimes, returned in UTC (the databases store UTC); the ward's day, its
working hours and its days off are those of Asia/Ho_Chi_Minh. A deadline "by the n-th working
day" is missed at the start of the next day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from contracts.common import LOCAL_TZ
from contracts.periods import Month, Period
from services.notifications.domain import rules
from services.runtime.workdays import WorkingCalendar

#: The last moment there is, as the ward's clock reads it: 9999-12-31 23:59:59.999999 local.
#: Later than any clock will read, and still convertible to local time (``datetime.max`` in UTC
#: is not: it is already the year 10000 in Asia/Ho_Chi_Minh).
END_OF_TIME = datetime.combine(date.max, time.max, tzinfo=LOCAL_TZ).astimezone(UTC)


def local_day(moment: datetime) -> date:
    """The ward's day of an aware moment; ``date.max`` for a moment after ``END_OF_TIME``
    (a contract's UTC time late on 9999-12-31 has no local day of its own)."""
    if moment > END_OF_TIME:
        return date.max
    return moment.astimezone(LOCAL_TZ).date()


def at_local(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=LOCAL_TZ).astimezone(UTC)


def start_of_day(day: date) -> datetime:
    return at_local(day, time(0, 0))


def missed_after(due_day: date) -> datetime:
    """The moment a deadline that falls on ``due_day`` is missed: the start of the next day.

    Total over every date a contract can carry: a deadline on 9999-12-31 (``date.max``) has no
    next day, so it is missed at ``END_OF_TIME``, i.e. never; a consumer must not lose a valid
    event (say a corrective action reopened with that due date) to an ``OverflowError``."""
    if due_day == date.max:
        return END_OF_TIME
    return start_of_day(due_day + timedelta(days=1))


@dataclass(frozen=True)
class Deadlines:
    """The brief's deadlines, in working days (every number is configuration)."""

    calendar: WorkingCalendar
    self_assessment_day: int = 3  # by the 3rd working day of the next month
    review_days: int = 3  # within 3 working days of submission
    audit_day: int = 5  # by the 5th working day of the next month
    escalation_days: int = 2  # each step up after 2 more working days
    #: A unit's review of a month, quarter or year (họp đánh giá, rút kinh nghiệm: the ward's
    #: 5S+ programme, monthly, quarterly and yearly) by this working day after the period: after
    #: its figures are final (a month closes by its 6th working day: audits by the 5th, the last
    #: on-time self-assessment reviewed 3 working days after the 3rd), with a week to meet.
    period_review_day: int = 10

    def self_assessment_missed(self, period: Month) -> datetime:
        return missed_after(
            self.calendar.nth_working_day(period.shift(1), self.self_assessment_day)
        )

    def audit_missed(self, period: Month) -> datetime:
        return missed_after(self.calendar.nth_working_day(period.shift(1), self.audit_day))

    def review_due(self, submitted_on: date) -> date:
        """The last day of a review: the ``review_days``-th working day after the submission."""
        return self.calendar.add_working_days(submitted_on, self.review_days)

    def review_missed(self, submitted_at: datetime) -> datetime:
        return missed_after(self.review_due(local_day(submitted_at)))

    def action_missed(self, due_on: date) -> datetime:
        return missed_after(due_on)

    def due_day(self, rule: str, period: str, basis: Mapping[str, Any]) -> date:
        """The last day of one obligation (see ``domain.obligations``): a month's
        self-assessment or audit from its period, a review from ``basis["submitted_on"]``
        (YYYY-MM-DD), a corrective action or a review's follow-up at ``basis["due_on"]``, a
        unit's periodic review (``period`` YYYY-MM, YYYY-Qn or YYYY) by the
        ``period_review_day``-th working day after the period. Raises ``ValueError`` for a
        rule without a deadline."""
        if rule == rules.SELF_ASSESSMENT_MISSING:
            return self.calendar.nth_working_day(
                Month.parse(period).shift(1), self.self_assessment_day
            )
        if rule == rules.AUDIT_MISSING:
            return self.calendar.nth_working_day(Month.parse(period).shift(1), self.audit_day)
        if rule == rules.REVIEW_OVERDUE:
            return self.review_due(date.fromisoformat(basis["submitted_on"]))
        if rule in (rules.ACTION_OVERDUE, rules.FOLLOW_UP_OVERDUE, rules.CALL_BACK_OVERDUE):
            return date.fromisoformat(basis["due_on"])
        if rule == rules.PERIOD_REVIEW_MISSING:
            after = Period.parse(period).months()[-1].shift(1)
            return self.calendar.nth_working_day(after, self.period_review_day)
        raise ValueError(f"not a deadline rule: {rule}")

    def escalation_at(self, told_at: datetime) -> datetime:
        """An alert told on one day goes up once ``escalation_days`` full working days passed."""
        return missed_after(
            self.calendar.add_working_days(local_day(told_at), self.escalation_days)
        )


@dataclass(frozen=True)
class SendWindow:
    """Quiet hours: messages go out only between ``opens`` and ``closes`` on working days, except
    critical ones, which go at once."""

    calendar: WorkingCalendar
    opens: time = time(7, 0)
    closes: time = time(17, 30)

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(LOCAL_TZ)
        return self.calendar.is_working_day(local.date()) and (
            self.opens <= local.time() < self.closes
        )

    def next_opening(self, moment: datetime, at: time | None = None) -> datetime:
        """The first moment at or after ``moment`` when the window is open (at ``at`` of a
        working day if given, for a digest)."""
        local = moment.astimezone(LOCAL_TZ)
        day = local.date()
        opening = at or self.opens
        if self.calendar.is_working_day(day) and local.time() < opening:
            return at_local(day, opening)
        if at is None and self.is_open(moment):
            return moment
        # The next working day; ``add_working_days`` stops at ``date.max`` (see there).
        return at_local(self.calendar.add_working_days(day, 1), opening)

    def send_at(self, moment: datetime, *, critical: bool, digest_at: time | None) -> datetime:
        """When a message made at ``moment`` may go: at once if critical or the window is open,
        else when it opens; for a person on the daily digest, at the next digest time."""
        if critical:
            return moment
        if digest_at is not None:
            return self.next_opening(moment, at=digest_at)
        return self.next_opening(moment)


def backoff(attempts: int, base_s: float, cap_s: float) -> timedelta:
    """The wait before retry number ``attempts`` (1, 2, …) of a channel that failed: doubling."""
    return timedelta(seconds=min(base_s * 2 ** max(attempts - 1, 0), cap_s))
